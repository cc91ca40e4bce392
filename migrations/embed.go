// Package migrations holds runlens's numbered, forward-only SQL migrations,
// embedded so the binary carries its schema. The store applies them at start
// with goose, each in its own transaction.
package migrations

import "embed"

// FS holds the migration files (NNNN_name.sql).
//
//go:embed *.sql
var FS embed.FS
