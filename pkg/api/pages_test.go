package api

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestDocumentPagesAndNoText: a document's page records (how each page
// was read) come back as the worker stored them; a no_text document is
// listed under its own status, which the list filters by.
func TestDocumentPagesAndNoText(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.login("ann")
	scan := ann.uploadOne("scan.txt", "a scan's stand-in")
	read := ann.uploadOne("read.txt", "a read document")
	if _, err := e.admin.Exec(`UPDATE documents SET status = 'no_text', classification_note = 'no text found: not classified',
		pages = '[{"page": 1, "source": "none"}, {"page": 2, "source": "ocr", "confidence": 91.5, "rotation": 90}]' WHERE id = $1`, scan.ID); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Status string `json:"status"`
		Pages  []struct {
			Page       int      `json:"page"`
			Source     string   `json:"source"`
			Confidence *float64 `json:"confidence"`
			Rotation   int      `json:"rotation"`
		} `json:"pages"`
		Note string `json:"classification_note"`
	}
	ann.do("GET", "/api/documents/"+scan.ID, nil).want(http.StatusOK).decode(&got)
	if got.Status != "no_text" || got.Note != "no text found: not classified" || len(got.Pages) != 2 ||
		got.Pages[1].Source != "ocr" || got.Pages[1].Confidence == nil || *got.Pages[1].Confidence != 91.5 || got.Pages[1].Rotation != 90 {
		t.Errorf("document: %+v", got)
	}
	res := ann.do("GET", "/api/documents/"+read.ID, nil).want(http.StatusOK)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(res.body, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["pages"]; ok {
		t.Errorf("a document without page records has pages: %s", raw["pages"])
	}
	var page struct {
		Documents []struct{ ID string } `json:"documents"`
	}
	ann.do("GET", "/api/documents?status=no_text", nil).want(http.StatusOK).decode(&page)
	if len(page.Documents) != 1 || page.Documents[0].ID != scan.ID {
		t.Errorf("status=no_text lists %+v, want only %s", page.Documents, scan.ID)
	}
	ann.do("GET", "/api/documents?status=unreadable", nil).wantError(http.StatusUnprocessableEntity, "invalid_field")
}
