package database_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestOpenTurnsJITOff: connections from Open run without JIT compilation
// (see withConnectTimeout), unless the DSN asks for it.
func TestOpenTurnsJITOff(t *testing.T) {
	ctx := context.Background()
	d := testenv.NewDatabase(t)
	sep := "?"
	if strings.Contains(d.MigrateURL, "?") {
		sep = "&"
	}
	for _, c := range []struct{ dsn, want string }{
		{d.MigrateURL, "off"},
		{d.MigrateURL + sep + "jit=on", "on"},
	} {
		db, err := database.Open(ctx, "DATABASE_URL", c.dsn)
		if err != nil {
			t.Fatal(err)
		}
		var jit string
		err = db.GetContext(ctx, &jit, `SHOW jit`)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if jit != c.want {
			t.Errorf("jit = %q, want %q", jit, c.want)
		}
	}
}
