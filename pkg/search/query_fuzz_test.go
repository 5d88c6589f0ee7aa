package search

import (
	"errors"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzSearchParams drives ParseQuery with a whole URL query string, as
// GET /api/search receives it (every filter, the limit and the cursor), and
// checks the cursor codec. Properties: ParseQuery gives an *Error (that is
// ErrInvalid) or a query that normalizes to bounded, control-free text;
// decoding any cursor gives a keyset or an *Error; a cursor made for a
// query decodes to the same keyset for that query and is refused for
// another query text.
func FuzzSearchParams(f *testing.F) {
	for _, s := range []string{
		"q=bank",
		"q=%22bank+transfer%22+-fee+or+card&limit=5&status=classified",
		"q=x&topic=7b1a1f9e-3b1a-4c55-9a8e-1c2d3e4f5a6b&folder=root&unfiled=true",
		"q=x&created_after=2026-01-31T00:00:00Z&created_before=2026-02-01T00:00:00%2B01:00",
		"q=x&date_from=2026-01-31&date_to=2025-01-01&content_type=application%2Fpdf",
		"q=x&cursor=eyJxIjoiIn0&limit=0",
		"q=%00&limit=-1&unfiled=maybe",
		"q=a;b=c&&q=d",
	} {
		f.Add(s, 1.0000001192092896, int64(1767225600123456789))
	}
	viewer := "7b1a1f9e-3b1a-4c55-9a8e-1c2d3e4f5a6b"
	f.Fuzz(func(t *testing.T, raw string, rank float64, created int64) {
		v, _ := url.ParseQuery(raw) // what it could read, as net/http does
		q, err := ParseQuery(viewer, v)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) || e.Field == "" || e.Msg == "" {
				t.Fatalf("ParseQuery(%q): %T %v, want *Error", raw, err, err)
			}
			return
		}
		n, err := q.normalize()
		if err != nil {
			t.Fatalf("ParseQuery(%q) gave a query that does not normalize: %v", raw, err)
		}
		if !utf8.ValidString(n.Text) || n.Text == "" || len(n.Text) > MaxQueryBytes ||
			len(strings.Fields(n.Text)) > MaxQueryWords || n.Limit < 1 || n.Limit > MaxLimit {
			t.Fatalf("ParseQuery(%q) normalized to %q, limit %d", raw, n.Text, n.Limit)
		}
		if strings.IndexFunc(n.Text, unicode.IsControl) >= 0 {
			t.Fatalf("ParseQuery(%q) normalized to %q: a control character", raw, n.Text)
		}

		if _, err := decodeCursor(q); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("decodeCursor(%q): %T %v, want *Error", q.Cursor, err, err)
			}
		}

		if math.IsNaN(rank) || math.IsInf(rank, 0) {
			return
		}
		k := keyset{rank: rank, created: time.Unix(0, created), id: viewer}
		q.Cursor = encodeCursor(q, k)
		got, err := decodeCursor(q)
		if err != nil || got.rank != k.rank || !got.created.Equal(k.created) || got.id != k.id {
			t.Fatalf("cursor %+v of %q reads back as %+v, %v", k, raw, got, err)
		}
		other := q
		other.Text += "x"
		if _, err := decodeCursor(other); err == nil {
			t.Fatalf("the cursor of %q was taken for %q", q.Text, other.Text)
		}
	})
}
