package classify

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
)

// TestPruneKeepsTheHeaviest: prune keeps exactly the n heaviest words (ties
// by the word), as sorting them all would.
func TestPruneKeepsTheHeaviest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		size := 1 + r.IntN(3000)
		v := vector{}
		for i := range size {
			// Few distinct weights: many ties.
			v[fmt.Sprintf("w%d", i)] = float64(r.IntN(1 + round%40))
		}
		n := 1 + r.IntN(size+10)
		got := prune(v, n)
		var all []termWeight
		for w, x := range v {
			all = append(all, termWeight{w, x})
		}
		sort.Slice(all, func(i, j int) bool { return heavier(all[i], all[j]) })
		want := min(n, size)
		if len(got) != want {
			t.Fatalf("round %d: %d words kept of %d, want %d", round, len(got), size, want)
		}
		for _, x := range all[:want] {
			if _, ok := got[x.t]; !ok {
				t.Fatalf("round %d (size %d, n %d): %s (%v) not kept", round, size, n, x.t, x.w)
			}
		}
	}
}
