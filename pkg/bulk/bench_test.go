package bulk_test

import (
	"testing"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/bulk"
)

// BenchmarkBulkSetTopics1000 sets the topics of 1,000 documents (every
// one changes: the sets alternate), audited, in one transaction, against
// the real PostgreSQL: issue 23's target is at most 1 s of server time.
//
//	DOCUVAULT_TEST_REQUIRE_SERVICES=1 go test -run '^$' -bench BulkSetTopics1000 -benchtime 20x ./pkg/bulk/
func BenchmarkBulkSetTopics1000(b *testing.B) {
	f := setup(b, bulk.MaxDocuments)
	sets := [][]string{{"Finance", "Tax"}, {"Tax"}, {}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := f.svc.Apply(f.ctx, f.ann, bulk.Request{IDs: f.docs, Action: bulk.SetTopics, Topics: sets[i%len(sets)]}, audit.Event{ActorID: f.ann})
		if err != nil {
			b.Fatal(err)
		}
		if res.Changed != bulk.MaxDocuments {
			b.Fatalf("changed %d, want %d", res.Changed, bulk.MaxDocuments)
		}
	}
}
