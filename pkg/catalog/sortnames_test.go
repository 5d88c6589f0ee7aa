package catalog

import "testing"

func TestSortNamesAreTheSorts(t *testing.T) {
	names := SortNames()
	if len(names) != len(sorts) || names[0] != "created_desc" {
		t.Fatalf("SortNames() = %v, sorts has %d", names, len(sorts))
	}
	for _, n := range names {
		if _, ok := sorts[n]; !ok {
			t.Errorf("SortNames() has %q, which sorts lacks", n)
		}
	}
}
