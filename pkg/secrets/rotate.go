package secrets

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Column is a text column that holds sealed values, one per row. The
// value's additional data is the row's id as text (Seal(purpose, x,
// []byte(id))): a value copied to another row does not open.
type Column struct {
	Table   string // e.g. "cloud_connections"
	ID      string // the row's key column, e.g. "id"
	Column  string // e.g. "credentials_enc"
	Purpose string // e.g. PurposeCloudCredentials
}

func (c Column) String() string { return c.Table + "." + c.Column }

// Columns are every column DocuVault keeps sealed values in. A package
// that adds one (IMAP accounts, TOTP) adds it here, so that Rotate
// re-seals it.
func Columns() []Column {
	return []Column{
		{Table: "cloud_connections", ID: "id", Column: "credentials_enc", Purpose: PurposeCloudCredentials},
		{Table: "mail_accounts", ID: "id", Column: "password_enc", Purpose: PurposeIMAPPassword},
		{Table: "totp_factors", ID: "user_id", Column: "seed_enc", Purpose: PurposeTOTPSeed},
	}
}

// Failure is a value Rotate could not re-seal: where it is and why (the
// error says nothing of the value).
type Failure struct {
	Column Column
	ID     string
	Err    error
}

// Report is what Rotate did.
type Report struct {
	Rotated int       // re-sealed with the current key
	Current int       // already under the current key
	Empty   int       // empty values, left as they are
	Failed  []Failure // could not be opened (unknown key, corrupt): left as they are
}

// batch is how many rows Rotate reads at a time.
const batch = 200

// Rotate re-seals, with k's current key, every value in cols that another
// key of k sealed. Each row is rewritten on its own, and only if it still
// holds the value read (a row changed meanwhile was sealed anew by its
// writer), so Rotate can run beside serve and the worker, and again after
// an interruption. A value it cannot open is a Failure, and the rest go
// on; dryRun counts without writing.
func Rotate(ctx context.Context, db *sqlx.DB, k *Keyring, cols []Column, dryRun bool) (Report, error) {
	var rep Report
	for _, c := range cols {
		if err := rotateColumn(ctx, db, k, c, dryRun, &rep); err != nil {
			return rep, fmt.Errorf("rotate %s: %w", c, err)
		}
	}
	return rep, nil
}

func rotateColumn(ctx context.Context, db *sqlx.DB, k *Keyring, c Column, dryRun bool, rep *Report) error {
	table, id, col := pq.QuoteIdentifier(c.Table), pq.QuoteIdentifier(c.ID), pq.QuoteIdentifier(c.Column)
	// Identifiers come from Columns (code), never from input.
	sel := fmt.Sprintf(`SELECT %s::text AS id, %s AS value FROM %s WHERE %s::text > $1 ORDER BY %s::text LIMIT $2`, id, col, table, id, id)
	upd := fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE %s::text = $2 AND %s = $3`, table, col, id, col)
	after := ""
	for {
		var rows []struct {
			ID    string  `db:"id"`
			Value *string `db:"value"`
		}
		if err := db.SelectContext(ctx, &rows, sel, after, batch); err != nil {
			return err
		}
		for _, r := range rows {
			after = r.ID
			if r.Value == nil || *r.Value == "" {
				rep.Empty++
				continue
			}
			kid, err := KeyID(*r.Value)
			if err != nil {
				rep.Failed = append(rep.Failed, Failure{Column: c, ID: r.ID, Err: err})
				continue
			}
			if kid == k.CurrentID() {
				rep.Current++
				continue
			}
			pt, err := k.Open(c.Purpose, *r.Value, []byte(r.ID))
			if err != nil {
				rep.Failed = append(rep.Failed, Failure{Column: c, ID: r.ID, Err: err})
				continue
			}
			sealed, err := k.Seal(c.Purpose, pt, []byte(r.ID))
			clear(pt)
			if err != nil {
				return err
			}
			if !dryRun {
				if _, err := db.ExecContext(ctx, upd, sealed, r.ID, *r.Value); err != nil {
					return err
				}
			}
			rep.Rotated++
		}
		if len(rows) < batch {
			return nil
		}
	}
}
