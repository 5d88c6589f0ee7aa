package cli

import (
	"testing"
)

// TestHandlesIgnoreCaseAndTheTextRule: on the command line too, handles
// ignore letter case (`user add alice` beside Alice is refused; --user,
// DOCUVAULT_USER and `user quota` find Alice by any case), and a topic name
// with a bidi override or a zero-width space is a usage error, as a folder
// name is (issue 20, D15).
func TestHandlesIgnoreCaseAndTheTextRule(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "Alice", "--email", "alice@example.org").check(t, 0, "", "")
	d.run(t, nil, "user", "add", "alice", "--email", "alice2@example.org").check(t, 1, "", "docuvault: the handle alice is taken: choose another one\n")
	d.run(t, nil, "user", "add", "bob", "--email", "bob@example.org").check(t, 0, "", "")
	d.run(t, nil, "user", "quota", "ALICE", "2GiB").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Tax", "--user", "alice").check(t, 0, `created topic "Tax" for Alice`, "")
	d.run(t, map[string]string{"DOCUVAULT_USER": "aLiCe"}, "topic", "add", "Car").check(t, 0, `created topic "Car" for Alice`, "")
	d.run(t, nil, "topic", "add", "in\u202efdp.exe", "--user", "Alice").check(t, 64, "", "bidirectional-text control (U+202E)")
	d.run(t, nil, "topic", "add", "ta\u200bxes", "--user", "Alice").check(t, 64, "", "invisible formatting character (U+200B)")
	d.run(t, nil, "topic", "rm", "ta\u200bxes", "--user", "Alice").check(t, 1, "", "no such topic")
	var n int
	if err := d.dep.AdminDB(t).Get(&n, `SELECT count(*) FROM users`); err != nil || n != 2 {
		t.Errorf("%d users (%v), want 2", n, err)
	}
}
