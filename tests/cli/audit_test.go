package cli

import (
	"context"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/audit"
)

// TestCLIActionsAreAudited: what an operator does through the CLI (users
// created, quotas set, topics added, changed and removed, uploads small and
// large, documents filed and downloaded, folders added, renamed and
// removed) lands in the audit log with the OS user running the command as
// its actor and no account as actor_id, reads as "NAME (command line)",
// and no event holds the password given on stdin (issue 21).
func TestCLIActionsAreAudited(t *testing.T) {
	d := deployed(t)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	label := "cli:" + me.Username
	const password = "correct horse battery staple"
	d.runIn(t, password+"\n", nil, "user", "add", "ann", "--email", "ann@example.org", "--admin", "--password-stdin").check(t, 0, "created user ann", "")
	d.run(t, nil, "user", "add", "bob", "--email", "bob@example.org").check(t, 0, "created user bob", "")
	d.run(t, nil, "user", "quota", "bob", "2GiB").check(t, 0, "quota of bob: 2.0 GiB", "")
	d.run(t, nil, "topic", "add", "Tax", "--user", "bob").check(t, 0, `created topic "Tax"`, "")
	d.run(t, nil, "topic", "add", "Car", "--user", "bob", "--no-auto").check(t, 0, `created topic "Car"`, "")
	d.run(t, nil, "topic", "edit", "Car", "--name", "Cars", "--user", "bob").check(t, 0, `topic "Cars" of bob`, "")
	dir := t.TempDir()
	small, tagged := filepath.Join(dir, "small.txt"), filepath.Join(dir, "tagged.txt")
	if err := os.WriteFile(small, []byte("a small note"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tagged, []byte("a note with a topic"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A small upload is recorded by the batched statement that stores it;
	// one with a topic by the one-by-one path.
	d.run(t, nil, "upload", small, "--user", "bob", "--no-classify").check(t, 0, "small.txt", "")
	d.run(t, nil, "upload", tagged, "--user", "bob", "--topic", "Tax", "--no-classify").check(t, 0, "tagged.txt", "")
	var docID string
	if err := d.dep.AdminDB(t).Get(&docID, `SELECT id FROM documents WHERE filename = 'small.txt'`); err != nil {
		t.Fatal(err)
	}
	d.run(t, nil, "doc", "topics", docID, "--set", "Tax,Cars", "--user", "bob").check(t, 0, "filed under Tax, Cars", "")
	if r := d.run(t, nil, "doc", "get", docID, "-o", "-", "--user", "bob"); r.code != 0 || r.stdout != "a small note" {
		t.Errorf("doc get: exit %d, %q, %s", r.code, r.stdout, r.stderr)
	}
	d.run(t, nil, "topic", "rm", "Tax", "--user", "bob").check(t, 0, `removed topic "Tax"`, "")
	d.run(t, nil, "folder", "add", "Work", "--user", "bob").check(t, 0, `created folder "Work"`, "")
	d.run(t, nil, "folder", "rename", "Work", "Jobs", "--user", "bob").check(t, 0, `"Jobs"`, "")
	d.run(t, nil, "folder", "rm", "Jobs", "--user", "bob").check(t, 0, `deleted folder "Jobs"`, "")
	// A refused command records nothing.
	d.run(t, nil, "user", "add", "bob", "--email", "bob2@example.org").check(t, 1, "", "taken")

	var rows []struct {
		Type     string  `db:"event_type"`
		ActorID  *string `db:"actor_id"`
		Label    *string `db:"actor_label"`
		Meta     *string `db:"metadata"`
		UserName *string `db:"handle"`
	}
	if err := d.dep.AdminDB(t).Select(&rows, `SELECT a.event_type, a.actor_id, a.actor_label, a.metadata::text AS metadata, u.handle
		FROM audit_log a LEFT JOIN users u ON u.id = a.user_id ORDER BY a.id`); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		if r.ActorID != nil || r.Label == nil || *r.Label != label {
			t.Errorf("%s: actor_id %v, actor_label %v, want NULL and %q", r.Type, r.ActorID, r.Label, label)
		}
		if r.Meta != nil && strings.Contains(*r.Meta, "horse") {
			t.Errorf("%s holds the password: %s", r.Type, *r.Meta)
		}
		who := "-"
		if r.UserName != nil {
			who = *r.UserName
		}
		got = append(got, r.Type+"/"+who)
	}
	want := "user_admin/ann user_admin/bob user_admin/bob topic_change/bob topic_change/bob topic_change/bob upload/bob upload/bob document_update/bob download/bob topic_change/bob folder_change/bob folder_change/bob folder_change/bob"
	if strings.Join(got, " ") != want {
		t.Errorf("events\n got %s\nwant %s", strings.Join(got, " "), want)
	}

	// As the Activity page reads them.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := audit.List(ctx, d.dep.AppDB(t), audit.Filter{CLI: true})
	if err != nil || len(p.Entries) != 14 {
		t.Fatalf("%d CLI entries, %v", len(p.Entries), err)
	}
	summaries := map[string]bool{}
	for _, e := range p.Entries {
		if e.Actor.Kind != "cli" || e.Actor.Name != me.Username+" (command line)" || e.From != "command line" {
			t.Errorf("%s: actor %+v, from %q", e.EventType, e.Actor, e.From)
		}
		summaries[e.Summary] = true
	}
	for _, s := range []string{
		"Created account ann (an administrator)", "Created account bob (a user)", "Quota of bob set to 2.0 GiB",
		"Created topic “Tax”", "Created topic “Car”; never assigned automatically", "Renamed topic “Car” to “Cars”",
		"Topics set to a topic since deleted, “Cars”", "Deleted topic “Tax”", "12 B", "19 B", "12 B sent",
		"Created folder “Work”", "Renamed folder “Work” to “Jobs”", "Deleted folder “Jobs”",
	} {
		if !summaries[s] {
			t.Errorf("no entry reads %q; have %v", s, summaries)
		}
	}
}
