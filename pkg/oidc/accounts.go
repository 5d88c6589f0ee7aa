package oidc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/users"
)

// Result is a finished sign-in: the account, and what the sign-in changed
// (for the audit trail).
type Result struct {
	UserID   string
	Handle   string
	Provider string
	Created  bool   // the account was made now (sign-up)
	Linked   bool   // the identity was linked to an existing account now
	Role     string // the account's role after the sign-in
	// RoleChanged is true when admin_groups changed the role now.
	RoleChanged   bool
	GroupsAdded   []string // DocuVault groups the account joined now
	GroupsRemoved []string // and left
}

// signIn finds, links or creates c's account and applies the group and
// admin mapping, in one transaction.
func (s *Service) signIn(ctx context.Context, p Provider, c Claims) (Result, error) {
	if c.Subject == "" || len(c.Subject) > 255 {
		return Result{}, fmt.Errorf("%w: the subject is empty or too long", ErrInvalidToken)
	}
	res := Result{Provider: p.Name, GroupsAdded: []string{}, GroupsRemoved: []string{}}
	err := database.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var acct struct {
			ID       string `db:"id"`
			Handle   string `db:"handle"`
			Role     string `db:"role"`
			IsActive bool   `db:"is_active"`
		}
		err := tx.GetContext(ctx, &acct, `SELECT u.id, u.handle, u.role, u.is_active FROM oidc_identities i JOIN users u ON u.id = i.user_id
			WHERE i.provider = $1 AND i.subject = $2 FOR UPDATE OF u`, p.Name, c.Subject)
		switch {
		case err == nil:
			if !acct.IsActive {
				return ErrDisabled
			}
			if _, err := tx.ExecContext(ctx, `UPDATE oidc_identities SET last_login_at = now(), email = $3 WHERE provider = $1 AND subject = $2`,
				p.Name, c.Subject, c.Email); err != nil {
				return fmt.Errorf("update identity: %w", err)
			}
		case errors.Is(err, sql.ErrNoRows):
			// A new identity: only an e-mail address the provider vouches
			// for may link to an account or make one.
			if c.Email == "" || !c.EmailVerified {
				return ErrEmailUnverified
			}
			err = tx.GetContext(ctx, &acct, `SELECT id, handle, role, is_active FROM users WHERE lower(email) = lower($1)
				ORDER BY (email = $1) DESC, created_at LIMIT 1 FOR UPDATE`, c.Email)
			switch {
			case err == nil:
				if !acct.IsActive {
					return ErrDisabled
				}
				res.Linked = true
			case errors.Is(err, sql.ErrNoRows):
				if !p.AllowSignup {
					return ErrSignupDisabled
				}
				handle, err := freeHandle(ctx, tx, c)
				if err != nil {
					return err
				}
				id, err := users.CreateTx(ctx, tx, users.NewUser{Handle: handle, Email: c.Email, QuotaBytes: s.opts.DefaultQuota})
				if err != nil {
					return fmt.Errorf("create account: %w", err)
				}
				acct.ID, acct.Handle, acct.Role = id, handle, "user"
				res.Created = true
			default:
				return fmt.Errorf("find account: %w", err)
			}
			r, err := tx.ExecContext(ctx, `INSERT INTO oidc_identities (provider, subject, user_id, email) VALUES ($1, $2, $3, $4)
				ON CONFLICT (user_id, provider) DO NOTHING`, p.Name, c.Subject, acct.ID, c.Email)
			if err != nil {
				return fmt.Errorf("link identity: %w", err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				return ErrConflict
			}
		default:
			return fmt.Errorf("find identity: %w", err)
		}
		res.UserID, res.Handle, res.Role = acct.ID, acct.Handle, acct.Role
		if c.Groups != nil || p.GroupsClaim != "" {
			if err := s.applyRole(ctx, tx, p, c, &res); err != nil {
				return err
			}
			return s.applyGroups(ctx, tx, p, c, &res)
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// applyRole makes the account an admin when its groups include one of
// admin_groups, and a user when not; never demoting the last active admin.
func (s *Service) applyRole(ctx context.Context, tx *sqlx.Tx, p Provider, c Claims, res *Result) error {
	if len(p.AdminGroups) == 0 {
		return nil
	}
	want := "user"
	for _, g := range c.Groups {
		if contains(p.AdminGroups, g) {
			want = "admin"
		}
	}
	if want == res.Role {
		return nil
	}
	if want == "user" {
		var others int
		if err := tx.GetContext(ctx, &others, `SELECT count(*) FROM users WHERE role = 'admin' AND is_active AND id <> $1`, res.UserID); err != nil {
			return fmt.Errorf("count admins: %w", err)
		}
		if others == 0 {
			s.opts.Log.Warn("single sign-on would demote the last admin: kept admin", "provider", p.Name, "handle", res.Handle)
			return nil
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET role = $2 WHERE id = $1`, res.UserID, want); err != nil {
		return fmt.Errorf("set role: %w", err)
	}
	res.Role, res.RoleChanged = want, true
	return nil
}

// applyGroups sets the account's membership of every group group_map
// names: a member of those its claim values map to, of no other.
func (s *Service) applyGroups(ctx context.Context, tx *sqlx.Tx, p Provider, c Claims, res *Result) error {
	if len(p.GroupMap) == 0 {
		return nil
	}
	var mapped, wanted []string
	for _, m := range p.GroupMap {
		mapped = append(mapped, strings.ToLower(m.Group))
		if contains(c.Groups, m.Claim) {
			wanted = append(wanted, strings.ToLower(m.Group))
		}
	}
	var groups []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := tx.SelectContext(ctx, &groups, `SELECT id, name FROM groups WHERE lower(name) = ANY($1::text[])`, pq.Array(mapped)); err != nil {
		return fmt.Errorf("find mapped groups: %w", err)
	}
	found := map[string]bool{}
	var mappedIDs, wantedIDs []string
	for _, g := range groups {
		found[strings.ToLower(g.Name)] = true
		mappedIDs = append(mappedIDs, g.ID)
		if contains(wanted, strings.ToLower(g.Name)) {
			wantedIDs = append(wantedIDs, g.ID)
		}
	}
	for _, m := range p.GroupMap {
		if !found[strings.ToLower(m.Group)] {
			s.opts.Log.Warn("single sign-on group_map names a group that does not exist: skipped (docuvault group add)", "provider", p.Name, "group", m.Group)
		}
	}
	if err := tx.SelectContext(ctx, &res.GroupsAdded, `WITH added AS (INSERT INTO group_members (group_id, user_id)
			SELECT unnest($1::uuid[]), $2 ON CONFLICT DO NOTHING RETURNING group_id)
		SELECT g.name FROM added JOIN groups g ON g.id = added.group_id ORDER BY lower(g.name)`, pq.Array(wantedIDs), res.UserID); err != nil {
		return fmt.Errorf("join groups: %w", err)
	}
	if err := tx.SelectContext(ctx, &res.GroupsRemoved, `WITH gone AS (DELETE FROM group_members WHERE user_id = $1
			AND group_id = ANY($2::uuid[]) AND NOT (group_id = ANY($3::uuid[])) RETURNING group_id)
		SELECT g.name FROM gone JOIN groups g ON g.id = gone.group_id ORDER BY lower(g.name)`, res.UserID, pq.Array(mappedIDs), pq.Array(wantedIDs)); err != nil {
		return fmt.Errorf("leave groups: %w", err)
	}
	return nil
}

// missingGroups are the groups p's group_map names that do not exist.
func (s *Service) missingGroups(ctx context.Context, p Provider) ([]string, error) {
	var out []string
	for _, m := range p.GroupMap {
		var n int
		if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM groups WHERE lower(name) = lower($1)`, m.Group); err != nil {
			return nil, fmt.Errorf("find group: %w", err)
		}
		if n == 0 {
			out = append(out, m.Group)
		}
	}
	return out, nil
}

var notHandle = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// freeHandle makes a valid handle nobody has from c's preferred_username,
// or the e-mail address's local part: "Kilgore Trout" → Kilgore-Trout,
// then Kilgore-Trout-2 and so on.
func freeHandle(ctx context.Context, tx *sqlx.Tx, c Claims) (string, error) {
	base := ""
	for _, cand := range []string{c.PreferredUsername, strings.SplitN(c.Email, "@", 2)[0], "user"} {
		h := strings.Trim(notHandle.ReplaceAllString(cand, "-"), "-._")
		if len(h) > 56 {
			h = h[:56]
		}
		if users.ValidateHandle(h) == nil {
			base = h
			break
		}
	}
	for i := 1; i <= 100; i++ {
		h := base
		if i > 1 {
			h = base + "-" + strconv.Itoa(i)
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM users WHERE lower(handle) = lower($1)`, h); err != nil {
			return "", fmt.Errorf("find handle: %w", err)
		}
		if n == 0 {
			return h, nil
		}
	}
	return "", fmt.Errorf("no free handle like %q: create the account with docuvault user add", base)
}

// Identity is an identity linked to an account.
type Identity struct {
	Provider    string    `db:"provider" json:"provider"`
	Subject     string    `db:"subject" json:"subject"`
	Email       string    `db:"email" json:"email"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
	LastLoginAt time.Time `db:"last_login_at" json:"last_login_at"`
}

// Identities lists userID's linked identities.
func Identities(ctx context.Context, db sqlx.QueryerContext, userID string) ([]Identity, error) {
	out := []Identity{}
	if err := sqlx.SelectContext(ctx, db, &out, `SELECT provider, subject, email, created_at, last_login_at FROM oidc_identities
		WHERE user_id = $1 ORDER BY provider`, userID); err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	return out, nil
}

// Unlink removes userID's identity of provider (the person can sign in
// with it again only by being linked anew). ErrNotLinked.
func Unlink(ctx context.Context, db sqlx.QueryerContext, userID, provider string) (Identity, error) {
	var out Identity
	err := sqlx.GetContext(ctx, db, &out, `DELETE FROM oidc_identities WHERE user_id = $1 AND provider = $2
		RETURNING provider, subject, email, created_at, last_login_at`, userID, provider)
	if errors.Is(err, sql.ErrNoRows) {
		return Identity{}, ErrNotLinked
	}
	if err != nil {
		return Identity{}, fmt.Errorf("unlink identity: %w", err)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
