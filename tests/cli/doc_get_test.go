package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestDocGetAndThumbnail: the worker stores a PDF's thumbnail beside it;
// doc show says so, doc get downloads the original (and says there is no
// searchable copy of a PDF with a text layer), fsck counts the thumbnail
// as the document's, not an orphan.
func TestDocGetAndThumbnail(t *testing.T) {
	testenv.Tools(t, "pdftoppm")
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	pdf, err := os.ReadFile("../../pkg/worker/testdata/groff-ms.pdf")
	if err != nil {
		t.Fatal(err)
	}
	d.run(t, nil, "upload", writeFile(t, filepath.Join(t.TempDir(), "manual.pdf"), pdf)).check(t, 0, "", "")
	d.run(t, nil, "worker", "--drain").check(t, 0, "", "")
	db := d.dep.AdminDB(t)
	var id string
	if err := db.Get(&id, `SELECT id FROM documents WHERE filename = 'manual.pdf'`); err != nil {
		t.Fatal(err)
	}
	var thumbs int
	if err := db.Get(&thumbs, `SELECT count(*) FROM document_objects WHERE document_id = $1 AND kind = 'thumbnail' AND content_type = 'image/jpeg'`, id); err != nil || thumbs != 1 {
		t.Fatalf("%d thumbnails, %v", thumbs, err)
	}
	d.run(t, nil, "doc", "show", id).check(t, 0, "thumbnail yes, searchable copy no", "")

	out := filepath.Join(t.TempDir(), "got.pdf")
	d.run(t, nil, "doc", "get", id, "-o", out).check(t, 0, "", "got.pdf: ")
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, pdf) {
		t.Errorf("doc get -o wrote %d bytes (%v), want the %d of the original", len(got), err, len(pdf))
	}
	if r := d.run(t, nil, "doc", "get", id, "-o", "-"); r.code != 0 || r.stdout != string(pdf) {
		t.Errorf("doc get -o -: exit %d, %d bytes; stderr %s", r.code, len(r.stdout), r.stderr)
	}
	d.run(t, nil, "doc", "get", id, "--searchable").check(t, 1, "", "has no searchable copy")
	d.run(t, nil, "doc", "get", "00000000-0000-0000-0000-000000000000").check(t, 1, "", "ann has no document")
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")
}
