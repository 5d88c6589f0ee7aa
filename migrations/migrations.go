// Package migrations holds DocuVault's SQL migrations, numbered for
// sql-migrate, and embeds them in the binary.
//
// Each file has a "-- +migrate Up" and a "-- +migrate Down" section; a
// statement with a $$ body is wrapped in "-- +migrate StatementBegin" and
// "-- +migrate StatementEnd". Files are never edited once released: a change
// is a new file.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed *.sql
var files embed.FS

// FS returns the migration files, rooted so that each file is at the top.
func FS() fs.FS { return files }
