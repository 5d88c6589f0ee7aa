package config_test

import (
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/config"
)

// Issue 20 D12: credentials inside any URL-valued setting are not printed.
func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://user:SECRET@llm.example.org/v1?api_key=SECRET", "https://user:xxxxx@llm.example.org/v1?api_key=xxxxx"},
		{"https://llm.example.org/v1?model=gpt&Key=SECRET&b=1", "https://llm.example.org/v1?model=gpt&Key=xxxxx&b=1"},
		{"https://h/p?TOKEN=SECRET&access_token=SECRET&X-Amz-Signature=SECRET&sig=SECRET", "https://h/p?TOKEN=xxxxx&access_token=xxxxx&X-Amz-Signature=xxxxx&sig=xxxxx"},
		{"https://h/p?client_secret=SECRET&Password=SECRET&signature=SECRET&x-api-key=SECRET", "https://h/p?client_secret=xxxxx&Password=xxxxx&signature=xxxxx&x-api-key=xxxxx"},
		{"https://h/p?api%5Fkey=SECRET;secret=SECRET", "https://h/p?api%5Fkey=xxxxx;secret=xxxxx"},
		{"https://h/cb#access_token=SECRET&state=1", "https://h/cb#access_token=xxxxx&state=1"},
		{"postgres://docuvault_app:SECRET@db:5432/docuvault?sslmode=disable&password=SECRET", "postgres://docuvault_app:xxxxx@db:5432/docuvault?sslmode=disable&password=xxxxx"},
		{"redis://:SECRET@redis:6379/0", "redis://:xxxxx@redis:6379/0"},
		{"https://api.openai.com/v1", "https://api.openai.com/v1"},
		{"http://127.0.0.1:11434/v1?keep=1&monkey=2", "http://127.0.0.1:11434/v1?keep=1&monkey=2"},
		{"host=db password=SECRET", "<redacted: not a URL>"},
	} {
		if got := config.RedactURL(c.in); got != c.want {
			t.Errorf("RedactURL(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestDisplayRedactsEveryURLSetting(t *testing.T) {
	c, err := config.Load(config.Options{
		LookupEnv: env(map[string]string{
			"OPENAI_BASE_URL":        "https://user:SECRET@llm.example.org/v1?api_key=SECRET",
			"DOCUVAULT_CORS_ORIGINS": "https://a.example.org,https://u:SECRET@b.example.org",
			"DATABASE_MIGRATE_URL":   "postgres://docuvault_migrate:SECRET@db/docuvault?sslmode=disable",
		}),
		ConfigSearch: []string{}, EnvFiles: []string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"OPENAI_BASE_URL":        "https://user:xxxxx@llm.example.org/v1?api_key=xxxxx",
		"DOCUVAULT_CORS_ORIGINS": "https://a.example.org,https://u:xxxxx@b.example.org",
		"DATABASE_MIGRATE_URL":   "postgres://docuvault_migrate:xxxxx@db/docuvault?sslmode=disable",
	}
	for _, s := range config.Settings() {
		got := c.Display(s)
		if strings.Contains(got, "SECRET") {
			t.Errorf("%s shown as %q", s.Env, got)
		}
		if w, ok := want[s.Env]; ok && got != w {
			t.Errorf("%s shown as %q, want %q", s.Env, got, w)
		}
	}
}
