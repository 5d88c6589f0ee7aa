package folders_test

import (
	"testing"

	"github.com/docuvault/docuvault/pkg/folders"
)

// Document counts (a folder's own documents, uploads in progress not
// counted), paths, subtrees and Resolve by path or id, on real PostgreSQL.
func TestCountsPathsResolve(t *testing.T) {
	ctx, db, ann, bob := setup(t)
	taxes := mustCreate(t, ctx, db, ann, "Taxes", nil)
	y24 := mustCreate(t, ctx, db, ann, "2024", &taxes.ID)
	q1 := mustCreate(t, ctx, db, ann, "Q1", &y24.ID)
	work := mustCreate(t, ctx, db, ann, "Work", nil)
	bobs := mustCreate(t, ctx, db, bob, "Taxes", nil)
	if taxes.DocumentCount != 0 {
		t.Errorf("a new folder counts %d documents", taxes.DocumentCount)
	}
	doc := func(folder, status string) {
		t.Helper()
		_, err := db.ExecContext(ctx, `INSERT INTO documents (user_id, folder_id, filename, object_key, content_type, status)
			VALUES ($1, $2, 'a.txt', gen_random_uuid()::text, 'text/plain', $3)`, ann, folder, status)
		if err != nil {
			t.Fatal(err)
		}
	}
	doc(y24.ID, "pending")
	doc(y24.ID, "classified")
	doc(y24.ID, "uploading") // not yet a document: not counted
	doc(q1.ID, "failed")
	doc(work.ID, "classified")

	all, err := folders.List(ctx, db, ann)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, f := range all {
		counts[f.Name] = f.DocumentCount
	}
	if want := map[string]int{"Taxes": 0, "2024": 2, "Q1": 1, "Work": 1}; len(counts) != len(want) ||
		counts["Taxes"] != 0 || counts["2024"] != 2 || counts["Q1"] != 1 || counts["Work"] != 1 {
		t.Errorf("List counts %v, want %v", counts, want)
	}
	if g, err := folders.Get(ctx, db, ann, y24.ID); err != nil || g.DocumentCount != 2 {
		t.Errorf("Get count %d, %v; want 2", g.DocumentCount, err)
	}
	// Update answers with the count too.
	renamed := "Year 2024"
	u, err := folders.Update(ctx, db, ann, y24.ID, &renamed, nil)
	if err != nil || u.DocumentCount != 2 || u.Name != renamed {
		t.Fatalf("Update: %+v, %v; want %q with 2 documents", u, err, renamed)
	}
	all, err = folders.List(ctx, db, ann)
	if err != nil {
		t.Fatal(err)
	}

	paths := folders.Paths(all)
	for id, want := range map[string]string{taxes.ID: "Taxes", y24.ID: "Taxes/Year 2024", q1.ID: "Taxes/Year 2024/Q1", work.ID: "Work"} {
		if paths[id] != want {
			t.Errorf("path %q, want %q", paths[id], want)
		}
	}
	if subs, docs := folders.Subtree(all, taxes.ID); subs != 2 || docs != 3 {
		t.Errorf("Subtree(Taxes) = %d subfolders, %d documents; want 2, 3", subs, docs)
	}
	if subs, docs := folders.Subtree(all, "no such id"); subs != 0 || docs != 0 {
		t.Errorf("Subtree(missing) = %d, %d", subs, docs)
	}

	for _, c := range []struct{ ref, want string }{
		{"Taxes", taxes.ID},
		{"/Taxes/Year 2024", y24.ID},
		{"Taxes/ Year 2024 /Q1", q1.ID}, // names are compared as stored: trimmed
		{q1.ID, q1.ID},
		{"Work", work.ID},
	} {
		f, err := folders.Resolve(ctx, db, ann, c.ref)
		if err != nil || f.ID != c.want {
			t.Errorf("Resolve(%q) = %s, %v; want %s", c.ref, f.ID, err, c.want)
		}
	}
	for _, ref := range []string{"", "Nope", "Taxes/2024", "Taxes//Q1", "Work/Q1", bobs.ID, "Taxes/Year 2024/Q1/deeper"} {
		_, err := folders.Resolve(ctx, db, ann, ref)
		wantErr(t, "Resolve("+ref+")", err, folders.ErrNotFound, "id")
	}
	// bob's folder of the same name is his.
	if f, err := folders.Resolve(ctx, db, bob, "Taxes"); err != nil || f.ID != bobs.ID {
		t.Errorf("bob's Resolve(Taxes) = %s, %v; want %s", f.ID, err, bobs.ID)
	}
}
