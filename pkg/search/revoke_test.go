package search_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/docuvault/docuvault/pkg/search"
)

// TestShareRevokedAndFacets: a recipient sees a shared document's topics
// (the owner's names: they are part of the document shared) in its hit and
// in the facets, and nothing of the owner's other topics; once the share is
// revoked, the document, its topics and its facet are gone from the
// recipient's searches at once, while the owner's are unchanged.
func TestShareRevokedAndFacets(t *testing.T) {
	v := newVault(t)
	ann, bob := v.user(t, "ann"), v.user(t, "bob")
	shared := v.add(t, doc{owner: ann, filename: "ann-invoice.txt", text: englishInvoice})
	private := v.add(t, doc{owner: ann, filename: "ann-invoice-2.txt", text: englishInvoice})
	finance, secret := uuid.NewString(), uuid.NewString()
	v.exec(t, `INSERT INTO topics (id, user_id, name) VALUES ($1, $3, 'Finance'), ($2, $3, 'Divorce lawyer')`, finance, secret, ann)
	v.exec(t, `INSERT INTO document_topics (document_id, topic_id) VALUES ($1, $2), ($3, $4)`, shared, finance, private, secret)
	share := uuid.NewString()
	v.exec(t, `INSERT INTO shares (id, document_id, owner_id, recipient_id, permission) VALUES ($1, $2, $3, $4, 'view')`, share, shared, ann, bob)

	res := v.search(t, search.Query{Viewer: bob, Text: "invoice"})
	if got := filenames(res); !same(got, []string{"ann-invoice.txt"}) {
		t.Fatalf("bob with the share finds %v", got)
	}
	if len(res.Facets) != 1 || res.Facets[0].Name != "Finance" || res.Facets[0].Count != 1 {
		t.Errorf("bob's facets %+v, want only the shared document's Finance", res.Facets)
	}
	if h := res.Hits[0]; len(h.Topics) != 1 || h.Topics[0].Name != "Finance" {
		t.Errorf("bob's hit topics %+v", h.Topics)
	}

	v.exec(t, `DELETE FROM shares WHERE id = $1`, share)
	res = v.search(t, search.Query{Viewer: bob, Text: "invoice"})
	if len(res.Hits) != 0 || res.Total != 0 || len(res.Facets) != 0 {
		t.Errorf("bob after the revocation: hits %v, total %d, facets %+v", filenames(res), res.Total, res.Facets)
	}
	if got := filenames(v.search(t, search.Query{Viewer: bob, Text: "ann-invoice"})); len(got) != 0 {
		t.Errorf("bob after the revocation finds by filename %v", got)
	}
	res = v.search(t, search.Query{Viewer: ann, Text: "invoice"})
	if len(res.Hits) != 2 || len(res.Facets) != 2 {
		t.Errorf("ann: hits %v, facets %+v", filenames(res), res.Facets)
	}
}
