package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/config"
)

func loadEnv(vars map[string]string) (*config.Config, error) {
	return config.Load(config.Options{LookupEnv: env(vars), ConfigSearch: []string{}, EnvFiles: []string{}})
}

// The upload stream limits (issue 20, D5) and the /metrics token are
// settings: defaults as api.Deps had them in code, values from the
// environment, config show's form read back the same.
func TestUploadAndMetricsSettings(t *testing.T) {
	c, err := loadEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.UploadStreams != 4 || c.UploadUserStreams != 2 || c.UploadIdleTimeout != time.Minute || c.UploadMinRate != 1024 || c.UploadRateWindow != 20*time.Second || c.MetricsToken != "" {
		t.Errorf("defaults: streams %d, per user %d, idle %s, rate %d, window %s, token set %v",
			c.UploadStreams, c.UploadUserStreams, c.UploadIdleTimeout, c.UploadMinRate, c.UploadRateWindow, c.MetricsToken != "")
	}
	const token = "0123456789abcdef-metrics"
	c, err = loadEnv(map[string]string{
		"DOCUVAULT_UPLOAD_STREAMS":      "8",
		"DOCUVAULT_UPLOAD_USER_STREAMS": "1",
		"DOCUVAULT_UPLOAD_IDLE_TIMEOUT": "30s",
		"DOCUVAULT_UPLOAD_MIN_RATE":     "4 KiB/s",
		"DOCUVAULT_UPLOAD_RATE_WINDOW":  "1m",
		"DOCUVAULT_METRICS_TOKEN":       token,
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.UploadStreams != 8 || c.UploadUserStreams != 1 || c.UploadIdleTimeout != 30*time.Second || c.UploadMinRate != 4096 || c.UploadRateWindow != time.Minute || c.MetricsToken != token {
		t.Errorf("from env: streams %d, per user %d, idle %s, rate %d, window %s",
			c.UploadStreams, c.UploadUserStreams, c.UploadIdleTimeout, c.UploadMinRate, c.UploadRateWindow)
	}
	shown := map[string]string{}
	for _, s := range config.Settings() {
		shown[s.Env] = c.Display(s)
	}
	for k, want := range map[string]string{
		"DOCUVAULT_UPLOAD_STREAMS": "8", "DOCUVAULT_UPLOAD_USER_STREAMS": "1", "DOCUVAULT_UPLOAD_IDLE_TIMEOUT": "30s",
		"DOCUVAULT_UPLOAD_MIN_RATE": "4KiB/s", "DOCUVAULT_UPLOAD_RATE_WINDOW": "1m0s", "DOCUVAULT_METRICS_TOKEN": "<redacted>",
	} {
		if shown[k] != want {
			t.Errorf("config show prints %s as %q, want %q", k, shown[k], want)
		}
	}
	// What config show prints loads back as the same value.
	back, err := loadEnv(map[string]string{"DOCUVAULT_UPLOAD_MIN_RATE": shown["DOCUVAULT_UPLOAD_MIN_RATE"], "DOCUVAULT_UPLOAD_RATE_WINDOW": shown["DOCUVAULT_UPLOAD_RATE_WINDOW"]})
	if err != nil || back.UploadMinRate != 4096 || back.UploadRateWindow != time.Minute {
		t.Errorf("config show's values read back: %+v, %v", back, err)
	}

	// auto is half the streams, at least 1; 0 turns the minimum rate off.
	for _, tc := range []struct {
		vars          map[string]string
		user          int
		rate          int64
		rateDisplayed string
	}{
		{map[string]string{"DOCUVAULT_UPLOAD_STREAMS": "1"}, 1, 1024, "1KiB/s"},
		{map[string]string{"DOCUVAULT_UPLOAD_STREAMS": "9", "DOCUVAULT_UPLOAD_USER_STREAMS": "AUTO"}, 4, 1024, "1KiB/s"},
		{map[string]string{"DOCUVAULT_UPLOAD_STREAMS": "3", "DOCUVAULT_UPLOAD_USER_STREAMS": "3", "DOCUVAULT_UPLOAD_MIN_RATE": "0"}, 3, 0, "0"},
		{map[string]string{"DOCUVAULT_UPLOAD_MIN_RATE": "1500"}, 2, 1500, "1500B/s"},
	} {
		c, err := loadEnv(tc.vars)
		if err != nil {
			t.Errorf("%v: %v", tc.vars, err)
			continue
		}
		var shownRate string
		for _, s := range config.Settings() {
			if s.Env == "DOCUVAULT_UPLOAD_MIN_RATE" {
				shownRate = c.Display(s)
			}
		}
		if c.UploadUserStreams != tc.user || c.UploadMinRate != tc.rate || shownRate != tc.rateDisplayed {
			t.Errorf("%v: per user %d, rate %d shown %q; want %d, %d, %q", tc.vars, c.UploadUserStreams, c.UploadMinRate, shownRate, tc.user, tc.rate, tc.rateDisplayed)
		}
	}
}

// A bad value is an *InvalidError naming the variable and where it came
// from, in one line that says what is expected; the token's value never
// appears in it.
func TestUploadAndMetricsSettingsBad(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		others     map[string]string
		want       string
	}{
		{"DOCUVAULT_UPLOAD_STREAMS", "0", nil, `"0" is not a whole number from 1 to 1000`},
		{"DOCUVAULT_UPLOAD_STREAMS", "four", nil, `"four" is not a whole number from 1 to 1000`},
		{"DOCUVAULT_UPLOAD_STREAMS", "1001", nil, `is not a whole number from 1 to 1000`},
		{"DOCUVAULT_UPLOAD_USER_STREAMS", "0", nil, `"0" is not auto or a whole number of 1 or more`},
		{"DOCUVAULT_UPLOAD_USER_STREAMS", "-1", nil, `is not auto or a whole number`},
		{"DOCUVAULT_UPLOAD_USER_STREAMS", "5", nil, `"5" is more than DOCUVAULT_UPLOAD_STREAMS (4): one user could hold every stream`},
		{"DOCUVAULT_UPLOAD_USER_STREAMS", "3", map[string]string{"DOCUVAULT_UPLOAD_STREAMS": "2"}, `is more than DOCUVAULT_UPLOAD_STREAMS (2)`},
		{"DOCUVAULT_UPLOAD_IDLE_TIMEOUT", "soon", nil, `"soon" is not a duration of 1s or more, like 1m`},
		{"DOCUVAULT_UPLOAD_IDLE_TIMEOUT", "500ms", nil, `"500ms" is not a duration of 1s or more`},
		{"DOCUVAULT_UPLOAD_IDLE_TIMEOUT", "0", nil, `is not a duration of 1s or more`},
		{"DOCUVAULT_UPLOAD_MIN_RATE", "fast", nil, `"fast" is not a rate like 1KiB/s (or 0 for no minimum)`},
		{"DOCUVAULT_UPLOAD_MIN_RATE", "-1KiB/s", nil, `is not a rate like 1KiB/s`},
		{"DOCUVAULT_UPLOAD_MIN_RATE", "", nil, `is not a rate like 1KiB/s`},
		{"DOCUVAULT_UPLOAD_MIN_RATE", "1KiB/m", nil, `is not a rate like 1KiB/s`},
		{"DOCUVAULT_UPLOAD_RATE_WINDOW", "0s", nil, `"0s" is not a duration of 1s or more, like 20s`},
		{"DOCUVAULT_METRICS_TOKEN", "short-secret", nil, `is shorter than 16 characters`},
		{"DOCUVAULT_METRICS_TOKEN", "a long enough token with spaces", nil, `has a space, control or non-ASCII character`},
		{"DOCUVAULT_METRICS_TOKEN", "0123456789abcdef\u00e9", nil, `has a space, control or non-ASCII character`},
	} {
		vars := map[string]string{tc.key: tc.value}
		for k, v := range tc.others {
			vars[k] = v
		}
		_, err := loadEnv(vars)
		var invalid *config.InvalidError
		if !errors.As(err, &invalid) || invalid.Env != tc.key || invalid.Source != "env "+tc.key {
			t.Errorf("%s=%q: %v (%T), want an *InvalidError for %s from the environment", tc.key, tc.value, err, err, tc.key)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, tc.key+" (from env "+tc.key+"): ") || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s=%q: message %q, want one line containing %q", tc.key, tc.value, msg, tc.want)
		}
		if tc.key == "DOCUVAULT_METRICS_TOKEN" && strings.Contains(msg, tc.value) {
			t.Errorf("the message shows the token: %q", msg)
		}
	}
}
