package api

import (
	"context"
	"testing"

	"github.com/docuvault/docuvault/pkg/ingest"
)

// GET /api/ingest/errors lists the signed-in user's own files a watch
// folder could not take, the latest first, and nobody else's.
func TestIngestErrorsRoute(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob := e.login("ann"), e.login("bob")
	ctx := context.Background()
	annID, bobID := e.users["ann"].ID, e.users["bob"].ID
	if err := ingest.Record(ctx, e.db, annID, ingest.SourceWatch, "/srv/scans", "/srv/scans/a.pdf", "permission denied: DocuVault cannot read it"); err != nil {
		t.Fatal(err)
	}
	if err := ingest.Record(ctx, e.db, annID, ingest.SourceWatch, "/srv/scans", "/srv/scans/b.exe", "type not allowed"); err != nil {
		t.Fatal(err)
	}
	if err := ingest.Record(ctx, e.db, annID, ingest.SourceWatch, "/srv/scans", "/srv/scans/a.pdf", "permission denied: DocuVault cannot read it"); err != nil {
		t.Fatal(err)
	}
	if err := ingest.Record(ctx, e.db, bobID, ingest.SourceWatch, "/srv/bob", "/srv/bob/secret.pdf", "over quota"); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Total  int            `json:"total"`
		Errors []ingest.Error `json:"errors"`
	}
	ann.do("GET", "/api/ingest/errors", nil).want(200).decode(&got)
	if got.Total != 2 || len(got.Errors) != 2 {
		t.Fatalf("ann's errors: %+v", got)
	}
	if a := got.Errors[0]; a.Path != "/srv/scans/a.pdf" || a.Attempts != 2 || a.Source != "watch" || a.Location != "/srv/scans" || a.Reason != "permission denied: DocuVault cannot read it" {
		t.Errorf("latest: %+v", a)
	}
	bob.do("GET", "/api/ingest/errors", nil).want(200).decode(&got)
	if got.Total != 1 || got.Errors[0].Path != "/srv/bob/secret.pdf" {
		t.Errorf("bob's errors: %+v", got)
	}
	if err := ingest.Clear(ctx, e.db, annID, ingest.SourceWatch, "/srv/scans/a.pdf"); err != nil {
		t.Fatal(err)
	}
	ann.do("GET", "/api/ingest/errors", nil).want(200).decode(&got)
	if got.Total != 1 || got.Errors[0].Path != "/srv/scans/b.exe" {
		t.Errorf("after clearing a.pdf: %+v", got)
	}
	e.anon().do("GET", "/api/ingest/errors", nil).wantError(401, "unauthenticated")
}
