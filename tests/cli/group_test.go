package cli

import (
	"strings"
	"testing"
)

// TestGroupCommands: group add, list, members (--add, --remove), share,
// rename and rm; a member finds the shared document with search, a
// non-member does not, a removed member at once no longer does; sharing
// with a group one does not belong to is refused; rm deletes the group's
// shares; every change is audited.
func TestGroupCommands(t *testing.T) {
	d := deployed(t)
	for _, h := range []string{"ann", "bob", "cat"} {
		d.run(t, nil, "user", "add", h, "--email", h+"@example.org").check(t, 0, "", "")
	}
	db := d.dep.AdminDB(t)
	var doc string
	if err := db.Get(&doc, `INSERT INTO documents (user_id, filename, object_key, content_type, status, extracted_text)
		SELECT id, 'lease.txt', gen_random_uuid()::text, 'text/plain', 'classified', 'tenancy agreement for the flat' FROM users WHERE handle = 'ann' RETURNING id`); err != nil {
		t.Fatal(err)
	}

	d.run(t, nil, "group", "add", "Family").check(t, 0, `group "Family" made`, "")
	d.run(t, nil, "group", "add", "family").check(t, 1, "", "exists")
	d.run(t, nil, "group", "add", " ").check(t, 64, "", "name")
	d.run(t, nil, "group", "members", "family", "--add", "bob,nobody").check(t, 64, "", `"nobody"`)
	d.run(t, nil, "group", "share", "family", doc, "--user", "ann").check(t, 1, "", "not a member of group")
	d.run(t, nil, "group", "members", "family", "--add", "ann", "--add", "bob,cat").check(t, 0, "3 added", "")
	d.run(t, nil, "group", "list").check(t, 0, "ann,bob,cat", "")
	d.run(t, nil, "group", "share", "family", doc, "--user", "ann", "--permission", "own").check(t, 64, "", "permission")
	d.run(t, nil, "group", "share", "family", doc, "--user", "ann").check(t, 0, `lease.txt shared with group "Family" (view)`, "")
	d.run(t, nil, "group", "share", "family", doc, "--user", "bob").check(t, 1, "", "not found")
	d.run(t, nil, "search", "tenancy", "--user", "cat").check(t, 0, "lease.txt", "")
	d.run(t, nil, "group", "members", "family", "--remove", "cat").check(t, 0, "1 removed", "")
	if r := d.run(t, nil, "search", "tenancy", "--user", "cat"); r.code != 0 || strings.Contains(r.stdout, "lease.txt") {
		t.Errorf("cat after removal: exit %d, %q", r.code, r.stdout)
	}
	d.run(t, nil, "search", "tenancy", "--user", "bob").check(t, 0, "lease.txt", "")
	d.run(t, nil, "group", "members", "family").check(t, 0, "ann\nbob\n", "")
	d.run(t, nil, "group", "rename", "family", "Household").check(t, 0, `renamed to "Household"`, "")
	d.run(t, nil, "group", "rm", "household").check(t, 0, "with 1 share(s)", "")
	if r := d.run(t, nil, "search", "tenancy", "--user", "bob"); r.code != 0 || strings.Contains(r.stdout, "lease.txt") {
		t.Errorf("bob after the group's deletion: exit %d, %q", r.code, r.stdout)
	}
	d.run(t, nil, "group", "rm", "household").check(t, 1, "", "no group named")
	d.run(t, nil, "group", "list").check(t, 0, "no groups", "")

	var metas []string
	if err := db.Select(&metas, `SELECT event_type || ' ' || metadata::text FROM audit_log
		WHERE event_type IN ('group_change', 'share') ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	want := []string{`"action": "create"`, `"action": "members"`, `"group": "Family"`, `"action": "members"`, `"action": "rename"`, `"action": "delete"`}
	if len(metas) != len(want) {
		t.Fatalf("audit %v", metas)
	}
	for i, w := range want {
		if !strings.Contains(metas[i], w) {
			t.Errorf("audit row %d %s: want %s", i, metas[i], w)
		}
	}
	if !strings.HasPrefix(metas[2], "share ") {
		t.Errorf("the group share's audit row %s", metas[2])
	}
}
