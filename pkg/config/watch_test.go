package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/config"
)

// The config file's "watch:" list is read into Config.Watch; a folder
// without dir or user is refused; the settle and rescan settings parse.
func TestWatchFolders(t *testing.T) {
	dir := t.TempDir()
	load := func(yaml string, vars map[string]string) (*config.Config, error) {
		return config.Load(config.Options{
			ConfigFile: write(t, dir, "w.yaml", yaml, 0o600), LookupEnv: env(vars),
			EnvFiles: []string{}, ConfigSearch: []string{},
		})
	}
	c, err := load(`log_level: warn
watch:
  - dir: /srv/scans/ann
    user: ann
    topics: [Inbox, Scans]
    folder: Scans/2026
    subdirs_as_topics: true
    after: move:/srv/done/ann
  - dir: /srv/scans/bob
    user: bob
`, map[string]string{"DOCUVAULT_WATCH_SETTLE": "5s"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Watch) != 2 {
		t.Fatalf("watch folders: %+v", c.Watch)
	}
	a, b := c.Watch[0], c.Watch[1]
	if a.Dir != "/srv/scans/ann" || a.User != "ann" || strings.Join(a.Topics, ",") != "Inbox,Scans" || a.Folder != "Scans/2026" || !a.SubdirsAsTopics || a.After != "move:/srv/done/ann" {
		t.Errorf("first: %+v", a)
	}
	if b.Dir != "/srv/scans/bob" || b.User != "bob" || b.After != "" || b.SubdirsAsTopics {
		t.Errorf("second: %+v", b)
	}
	if c.WatchSettle != 5*time.Second || c.WatchRescan != 30*time.Second {
		t.Errorf("settle %v, rescan %v", c.WatchSettle, c.WatchRescan)
	}

	var fe *config.FileError
	if _, err := load("watch:\n  - dir: /srv/x\n", nil); !errors.As(err, &fe) || !strings.Contains(err.Error(), "watch[0]: each watch folder needs dir and user") {
		t.Errorf("a folder without user: %v", err)
	}
	var ie *config.InvalidError
	if _, err := load("log_level: info\n", map[string]string{"DOCUVAULT_WATCH_RESCAN": "often"}); !errors.As(err, &ie) || ie.Env != "DOCUVAULT_WATCH_RESCAN" {
		t.Errorf("bad rescan: %v", err)
	}
}
