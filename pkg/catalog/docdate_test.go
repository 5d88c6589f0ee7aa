package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// A listing filters by the documents' own dates, both ends inclusive,
// leaving out documents without one; each document shows its date.
func TestListByDocumentDate(t *testing.T) {
	d := testenv.Deploy(t)
	db, admin := d.AppDB(t), d.AdminDB(t)
	ctx := context.Background()
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	for name, date := range map[string]any{"nov.txt": "2026-11-30", "dec.txt": "2026-12-01", "dec3.txt": "2026-12-03", "undated.txt": nil} {
		id := insertDoc(t, admin, ann.ID, name, "classified", nil)
		admin.MustExec(`UPDATE documents SET document_date = $2 WHERE id = $1`, id, date)
	}
	day := func(s string) time.Time {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	for _, c := range []struct {
		from, to string
		want     string
	}{
		{"", "", "dec.txt 2026-12-01, dec3.txt 2026-12-03, nov.txt 2026-11-30, undated.txt -"},
		{"2026-12-01", "", "dec.txt 2026-12-01, dec3.txt 2026-12-03"},
		{"", "2026-12-01", "dec.txt 2026-12-01, nov.txt 2026-11-30"},
		{"2026-12-01", "2026-12-01", "dec.txt 2026-12-01"},
		{"2027-01-01", "", ""},
	} {
		q := catalog.Query{Viewer: ann.ID, Sort: "filename_asc"}
		if c.from != "" {
			q.DateFrom = day(c.from)
		}
		if c.to != "" {
			q.DateTo = day(c.to)
		}
		p, err := catalog.List(ctx, db, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, doc := range p.Documents {
			date := "-"
			if doc.DocumentDate != nil {
				date = *doc.DocumentDate
			}
			got = append(got, doc.Filename+" "+date)
		}
		if strings.Join(got, ", ") != c.want {
			t.Errorf("from %q to %q: %v, want %s", c.from, c.to, got, c.want)
		}
	}
	// By date, both ways, a page of one at a time: undated last either way.
	for sort, want := range map[string]string{
		"date_desc": "dec3.txt dec.txt nov.txt undated.txt",
		"date_asc":  "nov.txt dec.txt dec3.txt undated.txt",
	} {
		var got []string
		cursor := ""
		for range 10 {
			p, err := catalog.List(ctx, db, catalog.Query{Viewer: ann.ID, Sort: sort, Limit: 1, Cursor: cursor})
			if err != nil {
				t.Fatalf("%s: %v", sort, err)
			}
			for _, doc := range p.Documents {
				got = append(got, doc.Filename)
			}
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		if strings.Join(got, " ") != want {
			t.Errorf("sort %s: %v, want %s", sort, got, want)
		}
	}
	_, err = catalog.List(ctx, db, catalog.Query{Viewer: ann.ID, DateFrom: day("2026-12-02"), DateTo: day("2026-12-01")})
	var fe *catalog.FilterError
	if !errors.As(err, &fe) || fe.Field != "date_from" || fe.Msg != "date_from 2026-12-02 is after date_to 2026-12-01" {
		t.Errorf("from after to: %v", err)
	}
}
