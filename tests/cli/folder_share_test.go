package cli

import (
	"strings"
	"testing"
)

// TestFolderShareCommands: folder share (with a person, with a group),
// shares (given, of one folder, received), unshare; a member of the group
// finds a document of a shared subfolder with search, a non-member does
// not; a group the owner is not in is refused; bad input exits 64; every
// change is audited.
func TestFolderShareCommands(t *testing.T) {
	d := deployed(t)
	for _, h := range []string{"ann", "bob", "cat"} {
		d.run(t, nil, "user", "add", h, "--email", h+"@example.org").check(t, 0, "", "")
	}
	d.run(t, nil, "folder", "add", "Taxes", "--user", "ann").check(t, 0, "", "")
	d.run(t, nil, "folder", "add", "Taxes/2024", "--user", "ann").check(t, 0, "", "")
	db := d.dep.AdminDB(t)
	if _, err := db.Exec(`INSERT INTO documents (user_id, folder_id, filename, object_key, content_type, status, extracted_text)
		SELECT u.id, f.id, 'assessment.txt', gen_random_uuid()::text, 'text/plain', 'classified', 'notice of assessment'
		FROM users u JOIN folders f ON f.user_id = u.id AND f.name = '2024' WHERE u.handle = 'ann'`); err != nil {
		t.Fatal(err)
	}
	d.run(t, nil, "group", "add", "Family").check(t, 0, "", "")
	d.run(t, nil, "group", "members", "family", "--add", "bob").check(t, 0, "", "")

	d.run(t, nil, "folder", "share", "Taxes", "--user", "ann").check(t, 64, "", "--with HANDLE or --group NAME")
	d.run(t, nil, "folder", "share", "Taxes", "--with", "bob", "--group", "family", "--user", "ann").check(t, 64, "", "either")
	d.run(t, nil, "folder", "share", "Taxes", "--with", "bob", "--permission", "own", "--user", "ann").check(t, 64, "", "permission")
	d.run(t, nil, "folder", "share", "Taxes", "--with", "nobody", "--user", "ann").check(t, 64, "", `"nobody"`)
	d.run(t, nil, "folder", "share", "Nowhere", "--with", "bob", "--user", "ann").check(t, 1, "", `no folder "Nowhere"`)
	d.run(t, nil, "folder", "share", "Taxes", "--group", "family", "--user", "ann").check(t, 1, "", "not a member of group")
	if r := d.run(t, nil, "search", "assessment", "--user", "bob"); r.code != 0 || strings.Contains(r.stdout, "assessment.txt") {
		t.Fatalf("bob before any share: exit %d, %q", r.code, r.stdout)
	}

	d.run(t, nil, "group", "members", "family", "--add", "ann").check(t, 0, "", "")
	d.run(t, nil, "folder", "share", "Taxes", "--group", "family", "--user", "ann").check(t, 0, `folder "Taxes" shared with group "Family" (view)`, "")
	d.run(t, nil, "folder", "share", "Taxes", "--group", "Family", "--user", "ann").check(t, 1, "", "already shared")
	d.run(t, nil, "folder", "share", "Taxes/2024", "--with", "cat", "--permission", "edit", "--user", "ann").check(t, 0, `shared with cat (edit)`, "")
	d.run(t, nil, "search", "assessment", "--user", "bob").check(t, 0, "assessment.txt", "")
	d.run(t, nil, "search", "assessment", "--user", "cat").check(t, 0, "assessment.txt", "")
	d.run(t, nil, "folder", "shares", "--user", "ann").check(t, 0, "Taxes/2024  cat", "")
	d.run(t, nil, "folder", "shares", "Taxes", "--user", "ann").check(t, 0, `group "Family"`, "")
	d.run(t, nil, "folder", "shares", "--received", "--user", "bob").check(t, 0, "group Family", "")
	d.run(t, nil, "folder", "shares", "--received", "--user", "ann").check(t, 0, "no folders are shared with you", "")

	// Leaving the group ends bob's access at once.
	d.run(t, nil, "group", "members", "family", "--remove", "bob").check(t, 0, "1 removed", "")
	if r := d.run(t, nil, "search", "assessment", "--user", "bob"); r.code != 0 || strings.Contains(r.stdout, "assessment.txt") {
		t.Errorf("bob after leaving the group: exit %d, %q", r.code, r.stdout)
	}
	d.run(t, nil, "folder", "unshare", "Taxes/2024", "--with", "bob", "--user", "ann").check(t, 1, "", "is not shared with bob")
	d.run(t, nil, "folder", "unshare", "Taxes/2024", "--with", "CAT", "--user", "ann").check(t, 0, "no longer shared with cat", "")
	if r := d.run(t, nil, "search", "assessment", "--user", "cat"); r.code != 0 || strings.Contains(r.stdout, "assessment.txt") {
		t.Errorf("cat after unshare: exit %d, %q", r.code, r.stdout)
	}
	d.run(t, nil, "folder", "unshare", "Taxes", "--group", "family", "--user", "ann").check(t, 0, `no longer shared with group "Family"`, "")
	d.run(t, nil, "folder", "shares", "--user", "ann").check(t, 0, "no folder shares", "")

	var events []string
	if err := db.Select(&events, `SELECT event_type || ' ' || COALESCE(metadata->>'recipient', 'group ' || (metadata->>'group'))
		FROM audit_log WHERE event_type IN ('folder_share', 'folder_unshare') ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	want := "folder_share group Family|folder_share cat|folder_unshare cat|folder_unshare group Family"
	if got := strings.Join(events, "|"); got != want {
		t.Errorf("audit: %s, want %s", got, want)
	}
}
