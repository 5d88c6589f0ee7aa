// Package usertext is the one rule for text people type that DocuVault
// keeps and shows again: names (folders, topics), descriptions and match
// rules, share recipients, login handles.
//
// It refuses what PostgreSQL cannot store (invalid UTF-8, NUL) and what
// can make one string display as another: control characters, line and
// paragraph separators, bidirectional overrides and isolates, and
// invisible format characters such as zero-width spaces. Callers check
// before any query, so such input is the caller's mistake (a 4xx), never
// a database error.
package usertext
