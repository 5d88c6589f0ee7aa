package search_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/docuvault/docuvault/migrations"
	"github.com/docuvault/docuvault/pkg/schema"
	"github.com/docuvault/docuvault/pkg/search"
	"github.com/docuvault/docuvault/tests/testenv"
)

// vault is a scratch database after `migrate up` and `grant`, with the app
// role's connection (what Search runs as) and the migrate role's.
type vault struct {
	app *sqlx.DB
	mig *sqlx.DB
}

func newVault(t *testing.T) *vault {
	t.Helper()
	tdb := testenv.NewDatabase(t)
	mig, err := sqlx.Open("postgres", tdb.MigrateURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mig.Close() })
	if _, err := schema.NewMigrator(mig.DB, migrations.FS()).Up(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if err := schema.Grant(ctx(t), mig.DB, "docuvault_app"); err != nil {
		t.Fatal(err)
	}
	app, err := sqlx.Open("postgres", tdb.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return &vault{app: app, mig: mig}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func (v *vault) user(t *testing.T, handle string) string {
	t.Helper()
	id := uuid.NewString()
	v.exec(t, `INSERT INTO users (id, handle, email, password_hash) VALUES ($1, $2, $3, 'x')`, id, handle, handle+"@example.org")
	return id
}

func (v *vault) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := v.app.ExecContext(ctx(t), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// doc is a document row as the worker leaves it.
type doc struct {
	owner, filename, text string
	config                string        // "" is search.Config(text)
	status                string        // "" is classified
	age                   time.Duration // created this long ago
	contentType           string        // "" is text/plain
	folder                string
}

func (v *vault) add(t *testing.T, d doc) string {
	t.Helper()
	id := uuid.NewString()
	if d.config == "" {
		d.config = search.Config(d.text)
	}
	if d.status == "" {
		d.status = "classified"
	}
	if d.contentType == "" {
		d.contentType = "text/plain"
	}
	var folder *string
	if d.folder != "" {
		folder = &d.folder
	}
	v.exec(t, `INSERT INTO documents (id, user_id, folder_id, filename, object_key, content_type, size_bytes, extracted_text, status, search_config, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() - $11 * interval '1 second')`,
		id, d.owner, folder, d.filename, d.owner+"/"+id+"/x", d.contentType, len(d.text), d.text, d.status, d.config, d.age.Seconds())
	return id
}

func (v *vault) search(t *testing.T, q search.Query) search.Result {
	t.Helper()
	res, err := search.Search(ctx(t), v.app, q)
	if err != nil {
		t.Fatalf("Search(%q): %v", q.Text, err)
	}
	return res
}

func filenames(res search.Result) []string {
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.Filename
	}
	return out
}

func same(a, b []string) bool { return strings.Join(a, "|") == strings.Join(b, "|") }

const (
	englishInvoice = "Invoice 2025-17 for the repairs of March. Please pay the invoices by bank transfer within thirty days; late payments are charged interest."
	germanInvoice  = "Rechnung Nummer 17 für die Reparaturen im März. Bitte überweisen Sie den Betrag innerhalb von dreißig Tagen auf unser Konto bei der Bank."
	englishMinutes = "Minutes of the board meeting. The quorum was present and the chair opened the meeting; the budget for the coming year was approved."
)

func TestConfigDetectsLanguages(t *testing.T) {
	cases := []struct{ text, want string }{
		{englishInvoice, "english"},
		{germanInvoice, "german"},
		{"Facture numéro 17 pour les réparations du mois de mars. Veuillez payer le montant par virement bancaire dans les trente jours.", "french"},
		{"Factura número 17 por las reparaciones del mes de marzo. Por favor pague el importe mediante transferencia bancaria en treinta días.", "spanish"},
		{"Invoice 17", "simple"},               // too short to tell
		{"", "simple"},                         // nothing to tell
		{strings.Repeat("x7 ", 100), "simple"}, // no language
		{strings.Repeat("日本語の文書です。", 20), "simple"}, // a language PostgreSQL cannot stem
	}
	for _, c := range cases {
		if got := search.Config(c.text); got != c.want {
			t.Errorf("Config(%.40q) = %q, want %q", c.text, got, c.want)
		}
	}
	// A long text is read from its start only, so it costs the same as a
	// short one: 6 MB of German after some English start still reads as
	// English. (What it costs is BenchmarkConfig's to say, not a timer's.)
	long := strings.Repeat(englishMinutes+" ", 40) + strings.Repeat(germanInvoice+" ", 40000)
	if got := search.Config(long); got != "english" {
		t.Errorf("Config(English, then 6 MB of German) = %q: more than the start was read", got)
	}
}

// TestMigrationKeepsTheVectorCurrent checks migration 0008: the generated
// tsvector (filename A, text B, the document's configuration), the
// configurations allowed, and that a long text never makes the update
// fail (PostgreSQL's 1 MB tsvector limit).
func TestMigrationKeepsTheVectorCurrent(t *testing.T) {
	v := newVault(t)
	ann := v.user(t, "ann")
	id := v.add(t, doc{owner: ann, filename: "invoice_2025-17.pdf", text: englishInvoice})
	var vec string
	if err := v.app.GetContext(ctx(t), &vec, `SELECT search_vector::text FROM documents WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"'invoic':", "A", "'invoice_2025-17.pdf':1A", "'transfer':", "'bank':"} {
		if !strings.Contains(vec, want) {
			t.Errorf("search_vector lacks %s: %s", want, vec)
		}
	}
	// Renaming and re-extracting update it; so does the configuration.
	v.exec(t, `UPDATE documents SET filename = 'receipt.pdf', extracted_text = $2, search_config = 'german' WHERE id = $1`, id, germanInvoice)
	if err := v.app.GetContext(ctx(t), &vec, `SELECT search_vector::text FROM documents WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(vec, "invoic") || !strings.Contains(vec, "'receipt':") || !strings.Contains(vec, "'rechnung':") {
		t.Errorf("after the update: %s", vec)
	}

	// Every configuration Config returns is allowed; others are not.
	for _, c := range search.Configs() {
		v.exec(t, `UPDATE documents SET search_config = $2 WHERE id = $1`, id, c)
	}
	// (The generated column names the configuration before the CHECK runs.)
	if _, err := v.app.ExecContext(ctx(t), `UPDATE documents SET search_config = 'klingon' WHERE id = $1`, id); testenv.ErrCode(err) != "23514" && testenv.ErrCode(err) != "42704" {
		t.Errorf("search_config klingon: %v, want a check violation or an unknown configuration", err)
	}

	// 5 MB texts: ordinary prose, and the worst case (every word distinct)
	// whose whole tsvector would pass 1 MB. Both save; the vector holds the
	// start of the text.
	prose := strings.Repeat(englishMinutes+" ", 5<<20/len(englishMinutes))
	var distinct strings.Builder
	for i := 0; distinct.Len() < 5<<20; i++ {
		fmt.Fprintf(&distinct, "w%x ", i*7919)
	}
	for name, text := range map[string]string{"prose": prose, "distinct words": "quorumstart " + distinct.String()} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			v.exec(t, `UPDATE documents SET extracted_text = $2, search_config = 'english' WHERE id = $1`, id, text)
			var size, lexemes int
			if err := v.app.QueryRowContext(ctx(t), `SELECT octet_length(search_vector::text), length(search_vector) FROM documents WHERE id = $1`, id).Scan(&size, &lexemes); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d MB text saved in %s, %d lexemes", name, len(text)>>20, time.Since(start).Round(time.Millisecond), lexemes)
			res := v.search(t, search.Query{Viewer: ann, Text: strings.Fields(text)[0]})
			if len(res.Hits) != 1 {
				t.Errorf("the first word of the long text is not found: %+v", res)
			}
		})
	}
}

// TestSearchSeesOwnAndSharedDocumentsOnly: two users prove isolation, a
// share proves visibility, and documents still uploading are never found.
func TestSearchSeesOwnAndSharedDocumentsOnly(t *testing.T) {
	v := newVault(t)
	ann, bob, carol := v.user(t, "ann"), v.user(t, "bob"), v.user(t, "carol")
	annInvoice := v.add(t, doc{owner: ann, filename: "ann-invoice.txt", text: englishInvoice})
	v.add(t, doc{owner: ann, filename: "ann-minutes.txt", text: englishMinutes})
	v.add(t, doc{owner: ann, filename: "ann-uploading.txt", text: englishInvoice, status: "uploading"})
	v.add(t, doc{owner: bob, filename: "bob-invoice.txt", text: englishInvoice})

	if got := filenames(v.search(t, search.Query{Viewer: ann, Text: "invoice"})); !same(got, []string{"ann-invoice.txt"}) {
		t.Errorf("ann finds %v", got)
	}
	if got := filenames(v.search(t, search.Query{Viewer: bob, Text: "invoice"})); !same(got, []string{"bob-invoice.txt"}) {
		t.Errorf("bob finds %v", got)
	}
	if res := v.search(t, search.Query{Viewer: carol, Text: "invoice"}); len(res.Hits) != 0 || res.Total != 0 {
		t.Errorf("carol finds %v", filenames(res))
	}

	v.exec(t, `INSERT INTO shares (document_id, owner_id, recipient_id, permission) VALUES ($1, $2, $3, 'view')`, annInvoice, ann, bob)
	res := v.search(t, search.Query{Viewer: bob, Text: "invoice"})
	if len(res.Hits) != 2 || res.Total != 2 {
		t.Fatalf("bob after the share: %v", filenames(res))
	}
	perms := map[string]string{}
	for _, h := range res.Hits {
		perms[h.Filename] = h.Permission + " " + h.OwnerHandle
	}
	if perms["ann-invoice.txt"] != "view ann" || perms["bob-invoice.txt"] != "owner bob" {
		t.Errorf("permissions: %v", perms)
	}
	// The share does not show ann's other documents, nor bob's to ann.
	if got := filenames(v.search(t, search.Query{Viewer: bob, Text: "quorum"})); len(got) != 0 {
		t.Errorf("bob finds ann's unshared minutes: %v", got)
	}
	if got := filenames(v.search(t, search.Query{Viewer: ann, Text: "invoice"})); !same(got, []string{"ann-invoice.txt"}) {
		t.Errorf("ann after sharing finds %v", got)
	}
	// Typo-tolerant filename matches respect the same boundary.
	if got := filenames(v.search(t, search.Query{Viewer: carol, Text: "ann-invoce"})); len(got) != 0 {
		t.Errorf("carol finds by filename %v", got)
	}
}

func TestRankingSnippetsAndStemming(t *testing.T) {
	v := newVault(t)
	ann := v.user(t, "ann")
	v.add(t, doc{owner: ann, filename: "notes.txt", text: "A short note that mentions an invoice once, among other things to do this week.", age: time.Hour})
	v.add(t, doc{owner: ann, filename: "invoice-march.txt", text: englishInvoice, age: 2 * time.Hour})
	v.add(t, doc{owner: ann, filename: "rechnung.txt", text: germanInvoice})
	v.add(t, doc{owner: ann, filename: "older-same.txt", text: "Twin text about cocoa beans and their harvest.", age: 48 * time.Hour})
	v.add(t, doc{owner: ann, filename: "newer-same.txt", text: "Twin text about cocoa beans and their harvest.", age: time.Hour})
	v.add(t, doc{owner: ann, filename: "markup.html", text: `Pay the "invoice" if 3 < 4 && 5 > 2, said O'Brien` + " \x02stray\x03 markers\x1b[31m", config: "english"})

	// The filename's words (weight A) and more mentions rank higher.
	res := v.search(t, search.Query{Viewer: ann, Text: "invoices"})
	got := filenames(res)
	if len(got) != 3 || got[0] != "invoice-march.txt" {
		t.Fatalf("invoices: %v", got)
	}
	for i, h := range res.Hits {
		if h.Match != "text" || h.Rank <= 1 || (i > 0 && h.Rank > res.Hits[i-1].Rank) {
			t.Errorf("hit %d: match %s rank %v", i, h.Match, h.Rank)
		}
	}
	// Equal ranks: the newer document first.
	if got := filenames(v.search(t, search.Query{Viewer: ann, Text: "cocoa harvest"})); !same(got, []string{"newer-same.txt", "older-same.txt"}) {
		t.Errorf("ties: %v", got)
	}
	// German stemming for the German document only.
	if got := filenames(v.search(t, search.Query{Viewer: ann, Text: "Rechnungen"})); !same(got, []string{"rechnung.txt"}) {
		t.Errorf("Rechnungen: %v", got)
	}
	// Snippets: HTML-escaped, only <mark> tags, no control characters (and
	// ts_headline itself leaves out what its parser takes for HTML tags).
	for _, h := range res.Hits {
		if !strings.Contains(h.Snippet, "<mark>") {
			t.Errorf("%s: snippet without a mark: %q", h.Filename, h.Snippet)
		}
		if h.Filename == "markup.html" {
			for _, want := range []string{`<mark>invoice</mark>&#34; if 3 &lt; 4 &amp;&amp; 5 &gt; 2, said O&#39;Brien stray markers`} {
				if !strings.Contains(h.Snippet, want) {
					t.Errorf("markup snippet %q lacks %q", h.Snippet, want)
				}
			}
			if strings.Count(h.Snippet, "<") != 2 || strings.ContainsAny(h.Snippet, "\x02\x03\x1b") {
				t.Errorf("markup snippet has tags or control characters of its own: %q", h.Snippet)
			}
			if r := search.RenderSnippet(h.Snippet, "«", "»"); !strings.Contains(r, `«invoice»" if 3 < 4 && 5 > 2, said O'Brien stray`) {
				t.Errorf("RenderSnippet: %q", r)
			}
		}
	}
	// A long text: the snippet is taken around the first match, far in.
	long := strings.Repeat("Nothing to see in this paragraph of filler text. ", 4000) + "Here the walrus appears at last. " + strings.Repeat("More filler. ", 1000)
	v.add(t, doc{owner: ann, filename: "long.txt", text: long})
	res = v.search(t, search.Query{Viewer: ann, Text: "walrus"})
	if len(res.Hits) != 1 || !strings.Contains(res.Hits[0].Snippet, "<mark>walrus</mark>") {
		t.Errorf("long text snippet: %+v", res.Hits)
	}
}

func TestQuerySyntax(t *testing.T) {
	v := newVault(t)
	ann := v.user(t, "ann")
	v.add(t, doc{owner: ann, filename: "a.txt", text: "The bank transfer of the invoice was made on Monday by the accounting office."})
	v.add(t, doc{owner: ann, filename: "b.txt", text: "The transfer window of the football club; the bank of the river was flooded again."})
	v.add(t, doc{owner: ann, filename: "c.txt", text: "Coffee prices rose sharply this week as the harvest in Brazil was smaller than expected."})
	v.add(t, doc{owner: ann, filename: "d.txt", text: "some words kept simple: bank prices and transfer statements", config: "simple"})
	cases := []struct {
		q    string
		want []string
	}{
		{`"bank transfer"`, []string{"a.txt"}},
		{`bank transfer`, []string{"a.txt", "b.txt", "d.txt"}},
		{`bank -football`, []string{"a.txt", "d.txt"}},
		{`coffee or football`, []string{"b.txt", "c.txt"}},
		{`price`, []string{"c.txt"}}, // english stems prices → price; the simple document keeps "prices"
		{`prices`, []string{"c.txt", "d.txt"}},
		{`prices -statements`, []string{"c.txt"}}, // the exclusion holds in each document's own configuration
	}
	for _, c := range cases {
		got := filenames(v.search(t, search.Query{Viewer: ann, Text: c.q}))
		sortStrings(got)
		if !same(got, c.want) {
			t.Errorf("%s: %v, want %v", c.q, got, c.want)
		}
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestFiltersFacetsAndPages(t *testing.T) {
	v := newVault(t)
	ann := v.user(t, "ann")
	finance, travel := uuid.NewString(), uuid.NewString()
	v.exec(t, `INSERT INTO topics (id, user_id, name) VALUES ($1, $3, 'Finance'), ($2, $3, 'Travel')`, finance, travel, ann)
	folder := uuid.NewString()
	v.exec(t, `INSERT INTO folders (id, user_id, name) VALUES ($1, $2, 'Taxes')`, folder, ann)
	var ids []string
	for i := 0; i < 25; i++ {
		d := doc{owner: ann, filename: fmt.Sprintf("receipt-%02d.txt", i), text: fmt.Sprintf("Receipt number %d for the hotel stay, paid by card.", i),
			age: time.Duration(i) * time.Hour}
		if i%5 == 0 {
			d.folder, d.contentType, d.status = folder, "application/pdf", "failed"
		}
		id := v.add(t, d)
		ids = append(ids, id)
		topic := travel
		if i%2 == 0 {
			topic = finance
		}
		v.exec(t, `INSERT INTO document_topics (document_id, topic_id) VALUES ($1, $2)`, id, topic)
		if i%3 == 0 {
			v.exec(t, `INSERT INTO document_topics (document_id, topic_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, finance)
		}
	}
	res := v.search(t, search.Query{Viewer: ann, Text: "receipt hotel", Limit: 10})
	if res.Total != 25 || !res.TotalExact || len(res.Hits) != 10 || res.Next == "" {
		t.Fatalf("first page: total %d exact %v hits %d next %q", res.Total, res.TotalExact, len(res.Hits), res.Next)
	}
	facets := map[string]int64{}
	for _, f := range res.Facets {
		facets[f.Name] = f.Count
	}
	// Finance: the 13 even ones, plus 3, 9, 15, 21 (odd multiples of 3).
	if facets["Finance"] != 17 || facets["Travel"] != 12 || len(res.Facets) != 2 || res.Facets[0].Name != "Finance" {
		t.Errorf("facets: %+v", res.Facets)
	}
	// Pages: every hit once, in order, then no cursor.
	seen := map[string]bool{}
	q := search.Query{Viewer: ann, Text: "receipt hotel", Limit: 10}
	var order []string
	for page := 0; ; page++ {
		for _, h := range res.Hits {
			if seen[h.ID] {
				t.Errorf("page %d repeats %s", page, h.Filename)
			}
			seen[h.ID] = true
			order = append(order, h.Filename)
		}
		if res.Next == "" {
			break
		}
		q.Cursor = res.Next
		res = v.search(t, q)
	}
	if len(seen) != 25 {
		t.Errorf("pages gave %d documents, want 25: %v", len(seen), order)
	}
	// Same rank for all (same words): newest first.
	if order[0] != "receipt-00.txt" || order[24] != "receipt-24.txt" {
		t.Errorf("order: %v", order)
	}
	// A cursor belongs to its query and filters.
	_, err := search.Search(ctx(t), v.app, search.Query{Viewer: ann, Text: "receipt", Cursor: q.Cursor})
	if !errors.Is(err, search.ErrInvalid) || !strings.Contains(err.Error(), "cursor") {
		t.Errorf("cursor of another query: %v", err)
	}

	for name, c := range map[string]struct {
		q    search.Query
		want int
	}{
		"topic":        {search.Query{TopicID: travel}, 12},
		"folder":       {search.Query{FolderID: folder}, 5},
		"root":         {search.Query{FolderID: "root"}, 20},
		"status":       {search.Query{Status: "failed"}, 5},
		"content type": {search.Query{ContentType: "application/pdf"}, 5},
		"created from": {search.Query{From: time.Now().Add(-9*time.Hour - 30*time.Minute)}, 10},
		"created to":   {search.Query{To: time.Now().Add(-19*time.Hour - 30*time.Minute)}, 5},
	} {
		c.q.Viewer, c.q.Text, c.q.Limit = ann, "receipt", 100
		res := v.search(t, c.q)
		if len(res.Hits) != c.want || res.Total != int64(c.want) {
			t.Errorf("%s: %d hits, total %d; want %d", name, len(res.Hits), res.Total, c.want)
		}
	}
}

func TestTypoTolerantFilenames(t *testing.T) {
	v := newVault(t)
	ann := v.user(t, "ann")
	v.add(t, doc{owner: ann, filename: "Volkswagen-inspection-2024.pdf", text: "Technical inspection report: brakes and lights checked."})
	v.add(t, doc{owner: ann, filename: "holiday.txt", text: "We went to the seaside."})
	res := v.search(t, search.Query{Viewer: ann, Text: "volkswagn"})
	if len(res.Hits) != 1 || res.Hits[0].Filename != "Volkswagen-inspection-2024.pdf" || res.Hits[0].Match != "filename" ||
		res.Hits[0].Rank >= 1 || res.Hits[0].Rank < 0.6 {
		t.Fatalf("volkswagn: %+v", res.Hits)
	}
	// Text matches rank above filename-only matches.
	v.add(t, doc{owner: ann, filename: "letter.txt", text: "The volkswagn dealer (sic) wrote again about the car."})
	res = v.search(t, search.Query{Viewer: ann, Text: "volkswagn"})
	if got := filenames(res); !same(got, []string{"letter.txt", "Volkswagen-inspection-2024.pdf"}) || res.Hits[0].Match != "text" {
		t.Errorf("text before filename: %v", got)
	}
}

// TestBadInput: every kind of bad query is an *Error wrapping ErrInvalid
// with a one-line message, or an empty result, never another error.
func TestBadInput(t *testing.T) {
	v := newVault(t)
	ann := v.user(t, "ann")
	v.add(t, doc{owner: ann, filename: "a.txt", text: englishInvoice})
	cases := []struct {
		name, q string
		invalid bool // else: an empty or ordinary result
	}{
		{"empty", "", true},
		{"spaces", " \t\n ", true},
		{"10 KB", strings.Repeat("invoice ", 1280), true},
		{"too many words", strings.Repeat("a ", search.MaxQueryWords+1), true},
		{"NUL", "invoice\x00", true},
		{"escape sequence", "invoice \x1b[31m", true},
		{"C1 control", "invoice \u0085", true},
		{"invalid UTF-8", "invoice \xff\xfe", true},
		{"only exclusions", "-invoice -bank", true},
		{"or an exclusion", "unicorn or -bank", true},
		{"stop words only", "the and of", false},
		{"punctuation only", "!!! ??? ...", false},
		{"unbalanced quote", `"bank transfer`, false},
		{"lone quote", `"`, false},
		{"SQL metacharacters", `'; DROP TABLE documents; --`, false},
		{"more SQL", `invoice' OR '1'='1`, false},
		{"tsquery syntax", `invoice & !bank | (x:*) <-> y`, false},
		{"backslashes", `\\ \' \"`, false},
		{"long word", strings.Repeat("x", 900), false},
		{"emoji", "🧾 invoice", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := search.Search(ctx(t), v.app, search.Query{Viewer: ann, Text: c.q})
			if c.invalid {
				var se *search.Error
				if !errors.Is(err, search.ErrInvalid) || !errors.As(err, &se) || se.Field != "q" || strings.Contains(err.Error(), "\n") {
					t.Fatalf("got %v (%T), want a one-line *search.Error for q", err, err)
				}
				// The message is for people: no field-name prefix (issue 21).
				if strings.HasPrefix(err.Error(), "q:") || err.Error() != se.Msg {
					t.Errorf("message %q has a field-name prefix", err.Error())
				}
				if c.name == "only exclusions" && err.Error() != "the query only excludes words: add a word to look for" {
					t.Errorf("only exclusions: %q", err.Error())
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want a result", err)
			}
			if res.Hits == nil || res.Facets == nil {
				t.Errorf("nil slices: %+v", res)
			}
		})
	}
	if _, err := v.app.ExecContext(ctx(t), `SELECT 1 FROM documents LIMIT 1`); err != nil {
		t.Errorf("documents after the SQL metacharacters: %v", err)
	}
	// Bad filters, limits and cursors.
	for name, q := range map[string]search.Query{
		"limit":   {Limit: search.MaxLimit + 1},
		"limit-":  {Limit: -1},
		"topic":   {TopicID: "finance"},
		"folder":  {FolderID: "../x"},
		"status":  {Status: "uploading"},
		"cursor":  {Cursor: "not-a-cursor"},
		"cursor2": {Cursor: "eyJxIjoiIn0"},
	} {
		q.Viewer, q.Text = ann, "invoice"
		if _, err := search.Search(ctx(t), v.app, q); !errors.Is(err, search.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func TestParseQuery(t *testing.T) {
	viewer := uuid.NewString()
	q, err := search.ParseQuery(viewer, url.Values{"q": {"bank"}, "topic": {viewer}, "folder": {"root"}, "status": {"classified"},
		"content_type": {"application/pdf"}, "created_after": {"2026-01-01T00:00:00Z"}, "created_before": {"2026-02-01T00:00:00Z"}, "limit": {"5"}})
	if err != nil || q.Text != "bank" || q.TopicID != viewer || q.FolderID != "root" || q.Status != "classified" ||
		q.ContentType != "application/pdf" || q.From.Month() != 1 || q.To.Month() != 2 || q.Limit != 5 || q.Viewer != viewer {
		t.Errorf("ParseQuery: %+v, %v", q, err)
	}
	for name, v := range map[string]url.Values{
		"no q":           {},
		"limit":          {"q": {"x"}, "limit": {"ten"}},
		"limit range":    {"q": {"x"}, "limit": {"1000"}},
		"created_after":  {"q": {"x"}, "created_after": {"yesterday"}},
		"created_before": {"q": {"x"}, "created_before": {"2026-13-01"}},
		"status":         {"q": {"x"}, "status": {"gone"}},
	} {
		_, err := search.ParseQuery(viewer, v)
		var se *search.Error
		if !errors.As(err, &se) || !errors.Is(err, search.ErrInvalid) {
			t.Errorf("%s: %v, want *search.Error", name, err)
		}
	}
}

// TestSearchesUseTheIndexes: with enough documents for the planner to
// choose, every kind of query goes through the GIN indexes, never a scan
// of every document.
func TestSearchesUseTheIndexes(t *testing.T) {
	v := newVault(t)
	ann := v.user(t, "ann")
	v.exec(t, `INSERT INTO documents (user_id, filename, object_key, content_type, extracted_text, status, search_config, created_at)
		SELECT $1::uuid, 'report-' || i || '.txt', $1::text || '/' || i, 'text/plain',
			'Quarterly report number ' || i || ' about ' || (ARRAY['oil','coffee','sugar','gold','wheat'])[1 + i % 5] ||
			' prices and the market ' || md5(i::text) || ' in region ' || (i % 97),
			'classified', 'english', now() - i * interval '1 minute'
		FROM generate_series(1, 20000) i`, ann)
	if _, err := v.mig.ExecContext(ctx(t), `VACUUM ANALYZE documents`); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"coffee", "market", `"oil prices"`, "coffee -sugar", "gold or wheat", "region 42", "reprot-1234", "quarterly report market prices region"} {
		plan, err := search.Explain(ctx(t), v.app, search.Query{Viewer: ann, Text: text}, false)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(plan, "Seq Scan on documents") || !strings.Contains(plan, "Bitmap Index Scan on ix_documents_search") {
			t.Errorf("%s: plan does not use the GIN index:\n%s", text, plan)
		}
		start := time.Now()
		res := v.search(t, search.Query{Viewer: ann, Text: text})
		t.Logf("%-40s %5d hits (exact %v) in %s", text, res.Total, res.TotalExact, time.Since(start).Round(time.Millisecond))
	}
	// A broad query ranks only the newest RankLimit and says the total is estimated.
	res := v.search(t, search.Query{Viewer: ann, Text: "market"})
	if res.TotalExact || res.Total != 20000 {
		t.Errorf("market: total %d exact %v, want 20000 estimated", res.Total, res.TotalExact)
	}
}

// BenchmarkConfig: language detection of a 6 MB text (only its start is read).
func BenchmarkConfig(b *testing.B) {
	long := strings.Repeat(englishMinutes+" ", 50000)
	for b.Loop() {
		if search.Config(long) != "english" {
			b.Fatal("not english")
		}
	}
}

// TestSnippetsShowTheMatchedWords (issue 21): a snippet is a passage of the
// text that has the words searched, marked — also when they are far into a
// long text, when the query's first word is only in the filename, when the
// text has another form of the word than the query (stemming), and when a
// word's letters appear earlier inside other words; when only the filename
// has the words, there is no snippet and MatchIn says so.
func TestSnippetsShowTheMatchedWords(t *testing.T) {
	v := newVault(t)
	ann := v.user(t, "ann")
	filler := func(n int) string { return strings.Repeat("Nothing of note is written in this part of the page. ", n) }
	v.add(t, doc{owner: ann, filename: "copyright-notice.txt", config: "english",
		text: "Acme Tools, version 3. " + filler(600) + "You may use this software under the licenses below. " + filler(200)})
	v.add(t, doc{owner: ann, filename: "partners.txt", config: "english",
		text: filler(300) + "Each company signed the agreement in March. " + filler(50)})
	v.add(t, doc{owner: ann, filename: "gallery.txt", config: "english",
		text: "A start, a party and a cart. " + filler(300) + "The modern art collection opens in May. " + filler(50)})
	v.add(t, doc{owner: ann, filename: "license.txt", config: "english", text: "A picnic by the river, with cake and lemonade for everyone."})
	// Multi-byte characters before and around the words: the passage is cut
	// between characters.
	v.add(t, doc{owner: ann, filename: "brief.txt", config: "german",
		text: strings.Repeat("Größe, Übung, Äpfel — 🍎 日本語 ", 3000) + "Die Rechnung für Öl ist bezahlt. " + strings.Repeat("Grüße ", 500)})
	// 120 bytes before the word is the middle of a three-byte character.
	v.add(t, doc{owner: ann, filename: "kanji.txt", config: "german", text: strings.Repeat("日", 5000) + " Rechnung bezahlt."})
	v.add(t, doc{owner: ann, filename: "tenancy.txt", config: "english",
		text: "The landlord keeps the deposit. " + filler(400) + "Tenants pay rent monthly. " + filler(400) + "Pets need the landlord's consent; rent rises yearly."})

	cases := []struct {
		query, filename string
		marks           []string // each in the snippet
		matchIn         []string
	}{
		// The first word only in the filename, the second deep in the text.
		{"copyright license", "copyright-notice.txt", []string{"<mark>licenses</mark> below"}, []string{"text", "filename"}},
		// "companies" and "company" are both "compani", which is no prefix of "company".
		{"companies", "partners.txt", []string{"Each <mark>company</mark> signed"}, []string{"text"}},
		// "start", "party" and "cart" are not "art".
		{"art", "gallery.txt", []string{"modern <mark>art</mark> collection"}, []string{"text"}},
		// Only the filename has the word: no passage of unrelated text.
		{"license", "license.txt", nil, []string{"filename"}},
		// Far into a text of multi-byte characters, German stemming.
		{"Rechnungen", "brief.txt", []string{"Die <mark>Rechnung</mark> für Öl"}, []string{"text"}},
		{"Rechnungen", "kanji.txt", []string{"日 <mark>Rechnung</mark> bezahlt"}, []string{"text"}},
		// The passage with both words wins over the first place of one.
		{"pets rent", "tenancy.txt", []string{"<mark>Pets</mark> need", "<mark>rent</mark> rises"}, []string{"text"}},
	}
	for _, c := range cases {
		res := v.search(t, search.Query{Viewer: ann, Text: c.query})
		var hit *search.Hit
		for i := range res.Hits {
			if res.Hits[i].Filename == c.filename {
				hit = &res.Hits[i]
			}
		}
		if hit == nil {
			t.Errorf("%q: %s not found: %v", c.query, c.filename, filenames(res))
			continue
		}
		if !same(hit.MatchIn, c.matchIn) {
			t.Errorf("%q: %s match_in %q, want %q", c.query, c.filename, hit.MatchIn, c.matchIn)
		}
		if c.marks == nil && hit.Snippet != "" {
			t.Errorf("%q: %s: snippet %q, want none (the words are not in the text)", c.query, c.filename, hit.Snippet)
		}
		for _, want := range c.marks {
			if !strings.Contains(hit.Snippet, want) {
				t.Errorf("%q: %s: snippet %q lacks %q", c.query, c.filename, hit.Snippet, want)
			}
		}
	}
}
