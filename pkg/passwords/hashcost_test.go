package passwords

import (
	"errors"
	"testing"
)

func TestParseHashCost(t *testing.T) {
	for in, want := range map[string]HashCost{
		"":                    DefaultHashCost(),
		"default":             DefaultHashCost(),
		"m=65536,t=3,p=4":     {Time: 3, MemoryKiB: 65536, Threads: 4},
		" p=1, t=2 ,m=19456 ": {Time: 2, MemoryKiB: 19456, Threads: 1},
		"m=1048576,t=20,p=16": {Time: 20, MemoryKiB: 1048576, Threads: 16},
		"m=47104,t=2,p=2":     {Time: 2, MemoryKiB: 47104, Threads: 2},
	} {
		got, err := ParseHashCost(in)
		if err != nil || got != want {
			t.Errorf("ParseHashCost(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if back, err := ParseHashCost(got.String()); err != nil || back != got {
			t.Errorf("ParseHashCost(%q.String() = %q) = %+v, %v", in, got.String(), back, err)
		}
	}
	for _, in := range []string{
		"m=19455,t=2,p=1",   // below OWASP's memory
		"m=65536,t=1,p=4",   // one pass
		"m=65536,t=3,p=0",   // no lanes
		"m=65536,t=3,p=17",  // too many lanes
		"m=2097152,t=3,p=4", // 2 GiB
		"m=65536,t=21,p=4",
		"m=65536,t=3",             // p missing
		"m=65536,t=3,p=4,m=65536", // twice
		"m=65536,t=3,x=4",
		"m=64MiB,t=3,p=4",
		"65536,3,4",
		"m=-1,t=3,p=4",
	} {
		if c, err := ParseHashCost(in); !errors.Is(err, ErrHashCost) {
			t.Errorf("ParseHashCost(%q) = %+v, %v; want ErrHashCost", in, c, err)
		}
	}
	if s := (HashCost{}).String(); s != "m=65536,t=3,p=4" {
		t.Errorf("the zero cost is %q, want the default m=65536,t=3,p=4", s)
	}
}
