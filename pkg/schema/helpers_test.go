package schema_test

import (
	"io/fs"

	"github.com/docuvault/docuvault/migrations"
)

func fsReadFile(name string) ([]byte, error) { return fs.ReadFile(migrations.FS(), name) }
