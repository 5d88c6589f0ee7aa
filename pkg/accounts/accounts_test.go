package accounts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/accounts"
	"github.com/docuvault/docuvault/pkg/apitokens"
	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

type fixture struct {
	db      *sqlx.DB
	auth    *auth.Service
	store   *storage.Service
	objects *objectstore.MinioStore
	admin   users.User
	ann     users.User
}

const goodPassword = "a long and unusual phrase"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	pool, err := redisconn.NewPool(d.RedisURL, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	a, err := auth.New(db, pool, auth.Options{Secret: "0123456789abcdef0123456789abcdef-accounts-test", Namespace: d.Namespace, AccountTTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, auth: a, objects: d.AppStore(t)}
	f.store = storage.New(db, f.objects, nil, storage.Limits{})
	ctx := context.Background()
	if f.admin, err = users.Create(ctx, db, users.NewUser{HashCost: testenv.HashCost(), Handle: "root", Email: "root@example.org", Admin: true, Password: goodPassword}); err != nil {
		t.Fatal(err)
	}
	if f.ann, err = users.Create(ctx, db, users.NewUser{HashCost: testenv.HashCost(), Handle: "ann", Email: "ann@example.org", Password: goodPassword}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) login(t *testing.T, handle, password string) (auth.Tokens, error) {
	t.Helper()
	_, tok, err := f.auth.Login(context.Background(), auth.LoginAttempt{Identifier: handle, Password: password})
	return tok, err
}

func TestSetPasswordPolicyAndSessions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob, err := users.Create(ctx, f.db, users.NewUser{Handle: "bob", Email: "bob@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if bob.CanLogin {
		t.Fatal("an account made without a password can log in")
	}
	for pw, want := range map[string]error{
		"short":              passwords.ErrTooShort,
		"1234567890":         passwords.ErrCommon,
		"Password123!":       passwords.ErrCommon,
		"bob@example.org":    passwords.ErrPersonal,
		"bob-bob-2024":       passwords.ErrPersonal,
		"qwertyuiopasdfghjk": passwords.ErrCommon,
	} {
		if _, err := accounts.SetPassword(ctx, f.db, f.auth, passwords.Default, bob.ID, pw); !errors.Is(err, want) {
			t.Errorf("SetPassword(%q) = %v, want %v", pw, err, want)
		}
	}
	if _, err := f.login(t, "bob", "1234567890"); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("a refused password was stored: %v", err)
	}
	u, err := accounts.SetPassword(ctx, f.db, f.auth, passwords.Default, bob.ID, goodPassword)
	if err != nil || !u.CanLogin {
		t.Fatalf("SetPassword = %+v, %v", u, err)
	}
	tok, err := f.login(t, "bob", goodPassword)
	if err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	// A new password set for someone ends every session they had.
	if _, err := accounts.SetPassword(ctx, f.db, f.auth, passwords.Default, bob.ID, "another long phrase here"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth.Authenticate(ctx, tok.AccessToken); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("a session survived the reset: %v", err)
	}
	if _, err := f.login(t, "bob", goodPassword); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("the old password still works: %v", err)
	}
	var hash string
	if err := f.db.Get(&hash, `SELECT password_hash FROM users WHERE id = $1`, bob.ID); err != nil || !strings.HasPrefix(hash, "$argon2id$") {
		t.Fatalf("stored %q, %v", hash, err)
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mine, err := f.login(t, "ann", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.login(t, "ann", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	_, sid, err := f.auth.AuthenticateSession(ctx, mine.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.ChangePassword(ctx, f.db, f.auth, passwords.Default, f.ann.ID, sid, "wrong password!", "a brand new phrase"); !errors.Is(err, accounts.ErrWrongPassword) {
		t.Fatalf("wrong current password: %v", err)
	}
	if _, err := accounts.ChangePassword(ctx, f.db, f.auth, passwords.Default, f.ann.ID, sid, goodPassword, "ann@example.org"); !errors.Is(err, passwords.ErrPersonal) {
		t.Fatalf("a refused new password: %v", err)
	}
	if _, err := f.auth.Authenticate(ctx, other.AccessToken); err != nil {
		t.Fatalf("a refused change ended a session: %v", err)
	}
	n, err := accounts.ChangePassword(ctx, f.db, f.auth, passwords.Default, f.ann.ID, sid, goodPassword, "a brand new phrase")
	if err != nil || n != 1 {
		t.Fatalf("ChangePassword = %d, %v", n, err)
	}
	if _, err := f.auth.Authenticate(ctx, other.AccessToken); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("the other session's access token: %v", err)
	}
	if _, _, err := f.auth.Refresh(ctx, other.RefreshToken); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("the other session's refresh token: %v", err)
	}
	if _, err := f.auth.Authenticate(ctx, mine.AccessToken); err != nil {
		t.Fatalf("the session that changed it was ended: %v", err)
	}
	if _, err := f.login(t, "ann", "a brand new phrase"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
}

func TestResetLinkOneTimeAndExpiry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	session, err := f.login(t, "ann", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	first, err := accounts.CreateReset(ctx, f.db, f.ann.ID, f.admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := accounts.CreateReset(ctx, f.db, f.ann.ID, f.admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(r.ExpiresAt); d < 23*time.Hour || d > 25*time.Hour {
		t.Fatalf("expires in %s, want 24h", d)
	}
	if _, err := accounts.UseReset(ctx, f.db, f.auth, passwords.Default, first.Token, "reset phrase number one"); !errors.Is(err, accounts.ErrResetInvalid) {
		t.Fatalf("an earlier link after a new one: %v", err)
	}
	if _, err := accounts.UseReset(ctx, f.db, f.auth, passwords.Default, r.Token, "password"); !errors.Is(err, passwords.ErrTooShort) {
		t.Fatalf("weak password through the link: %v", err)
	}
	u, err := accounts.UseReset(ctx, f.db, f.auth, passwords.Default, r.Token, "reset phrase number one")
	if err != nil || u.ID != f.ann.ID {
		t.Fatalf("UseReset = %+v, %v (a refused password used the link up?)", u, err)
	}
	if _, err := accounts.UseReset(ctx, f.db, f.auth, passwords.Default, r.Token, "reset phrase number two"); !errors.Is(err, accounts.ErrResetUsed) {
		t.Fatalf("the link a second time: %v", err)
	}
	if _, err := f.auth.Authenticate(ctx, session.AccessToken); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("a session survived the reset: %v", err)
	}
	if _, err := f.login(t, "ann", "reset phrase number one"); err != nil {
		t.Fatalf("login with the reset password: %v", err)
	}
	old, err := accounts.CreateReset(ctx, f.db, f.ann.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND used_at IS NULL`, f.ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.UseReset(ctx, f.db, f.auth, passwords.Default, old.Token, "reset phrase number three"); !errors.Is(err, accounts.ErrResetExpired) {
		t.Fatalf("an expired link: %v", err)
	}
	if _, err := accounts.UseReset(ctx, f.db, f.auth, passwords.Default, "nonsense", "reset phrase number three"); !errors.Is(err, accounts.ErrResetInvalid) {
		t.Fatalf("a made-up link: %v", err)
	}
	var stored int
	if err := f.db.Get(&stored, `SELECT count(*) FROM password_resets WHERE token_hash = $1::bytea`, []byte(r.Token)); err != nil || stored != 0 {
		t.Fatalf("the token itself is stored: %d, %v", stored, err)
	}
}

// gate is an upload body that sends its first part, then waits for open.
type gate struct {
	first, rest []byte
	sent        chan struct{}
	open        chan struct{}
	once        sync.Once
}

func (g *gate) Read(p []byte) (int, error) {
	if len(g.first) > 0 {
		n := copy(p, g.first)
		g.first = g.first[n:]
		return n, nil
	}
	g.once.Do(func() { close(g.sent) })
	<-g.open
	if len(g.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.rest)
	g.rest = g.rest[n:]
	return n, nil
}

func pdf(i, size int) []byte {
	b := []byte(fmt.Sprintf("%%PDF-1.4\n%% document %d\n", i))
	return append(b, bytes.Repeat([]byte{'x'}, size-len(b))...)
}

func TestDeleteUser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob, err := users.Create(ctx, f.db, users.NewUser{HashCost: testenv.HashCost(), Handle: "bob", Email: "bob@example.org", Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	for i, size := range []int{1000, 2000, storage.SmallUpload + 5000} {
		res, err := f.store.Upload(ctx, storage.UploadInput{OwnerID: f.ann.ID, Filename: fmt.Sprintf("d%d.pdf", i), Body: bytes.NewReader(pdf(i, size)), Size: int64(size), NoClassify: true})
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, res.Document.ID)
	}
	// A second version: its object must go with the document.
	v2 := pdf(7, 1200)
	if _, _, err := f.store.NewVersion(ctx, storage.VersionInput{OwnerID: f.ann.ID, DocumentID: docs[0], Filename: "d0-v2.pdf", Body: bytes.NewReader(v2), Size: int64(len(v2))}); err != nil {
		t.Fatal(err)
	}
	bobDoc, err := f.store.Upload(ctx, storage.UploadInput{OwnerID: bob.ID, Filename: "bob.pdf", Body: bytes.NewReader(pdf(9, 1500)), Size: 1500, NoClassify: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`INSERT INTO shares (document_id, owner_id, recipient_id, permission) VALUES ($1, $2, $3, 'view'), ($4, $3, $2, 'view')`,
		docs[0], f.ann.ID, bob.ID, bobDoc.Document.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`INSERT INTO topics (user_id, name) VALUES ($1, 'Tax')`, f.ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := apitokens.Create(ctx, f.db, f.ann.ID, apitokens.New{Name: "scanner", Scopes: []string{"upload"}}); err != nil {
		t.Fatal(err)
	}
	session, err := f.login(t, "ann", goodPassword)
	if err != nil {
		t.Fatal(err)
	}

	// An upload in flight: its row is reserved and part of it sent when
	// the deletion begins; it goes on afterwards and must fail, leaving
	// nothing behind.
	size := storage.SmallUpload + 7000
	body := pdf(7, size)
	g := &gate{first: body[:storage.SmallUpload/2], rest: body[storage.SmallUpload/2:], sent: make(chan struct{}), open: make(chan struct{})}
	uploadErr := make(chan error, 1)
	go func() {
		_, err := f.store.Upload(ctx, storage.UploadInput{OwnerID: f.ann.ID, Filename: "inflight.pdf", Body: g, Size: int64(size), NoClassify: true})
		uploadErr <- err
	}()
	<-g.sent

	// The last administrator is refused, and nothing of theirs is touched.
	if _, err := accounts.Delete(ctx, f.db, f.store, f.auth, f.admin.ID); !errors.Is(err, accounts.ErrLastAdmin) {
		t.Fatalf("deleting the last admin: %v", err)
	}
	if u, err := users.Get(ctx, f.db, f.admin.ID); err != nil || !u.IsActive {
		t.Fatalf("the refused admin: %+v, %v", u, err)
	}

	del, err := accounts.Delete(ctx, f.db, f.store, f.auth, f.ann.ID)
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if del.Documents != 3 || del.Uploads != 1 {
		t.Errorf("deleted %+v, want 3 documents and 1 upload", del)
	}
	close(g.open)
	select {
	case err := <-uploadErr:
		if err == nil {
			t.Fatal("the upload in flight succeeded for a deleted account")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the upload in flight did not end")
	}

	if _, err := users.Get(ctx, f.db, f.ann.ID); !errors.Is(err, users.ErrNotFound) {
		t.Fatalf("the account is still there: %v", err)
	}
	if _, err := f.auth.Authenticate(ctx, session.AccessToken); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("the deleted account's session: %v", err)
	}
	for _, q := range []string{`SELECT count(*) FROM documents WHERE user_id = $1`, `SELECT count(*) FROM shares WHERE owner_id = $1 OR recipient_id = $1`,
		`SELECT count(*) FROM topics WHERE user_id = $1`, `SELECT count(*) FROM api_tokens WHERE user_id = $1`,
		`SELECT count(*) FROM sessions WHERE user_id = $1`, `SELECT count(*) FROM refresh_tokens WHERE user_id = $1`, `SELECT count(*) FROM quotas WHERE user_id = $1`} {
		var n int
		if err := f.db.Get(&n, q, f.ann.ID); err != nil || n != 0 {
			t.Errorf("%s: %d, %v", q, n, err)
		}
	}
	var left []string
	if err := f.objects.List(ctx, f.ann.ID+"/", func(i objectstore.Info) error { left = append(left, i.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("objects left: %v", left)
	}
	rep, err := f.store.Fsck(ctx, storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil || rep.Problems() != 0 {
		t.Fatalf("fsck after the deletion: %+v, %v", rep, err)
	}
	// Bob keeps his document; the share of ann's is gone.
	if _, err := f.store.Get(ctx, bob.ID, bobDoc.Document.ID); err != nil {
		t.Fatalf("bob's document: %v", err)
	}
	// Running it again for a gone account says so.
	if _, err := accounts.Delete(ctx, f.db, f.store, f.auth, f.ann.ID); !errors.Is(err, users.ErrNotFound) {
		t.Fatalf("deleting again: %v", err)
	}
	// With another admin, an admin can go.
	if _, err := f.auth.UpdateAccount(ctx, bob.ID, auth.AccountChange{Role: ptr(auth.RoleAdmin)}); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.Delete(ctx, f.db, f.store, f.auth, f.admin.ID); err != nil {
		t.Fatalf("deleting an admin with another admin left: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// A deletion stopped after it disabled the account (killed) is finished by
// running it again.
func TestDeleteResumes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.store.Upload(ctx, storage.UploadInput{OwnerID: f.ann.ID, Filename: "a.pdf", Body: bytes.NewReader(pdf(1, 900)), Size: 900, NoClassify: true})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := accounts.Delete(cctx, f.db, f.store, f.auth, f.ann.ID); err == nil {
		t.Fatal("a cancelled deletion reported success")
	}
	if _, err := f.store.Get(ctx, f.ann.ID, res.Document.ID); err != nil {
		t.Fatalf("a deletion that did not run lost a document: %v", err)
	}
	// Simulate the first step done: disabled, then stopped.
	if _, err := f.db.Exec(`UPDATE users SET is_active = false WHERE id = $1`, f.ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.Delete(ctx, f.db, f.store, f.auth, f.ann.ID); err != nil {
		t.Fatalf("resumed: %v", err)
	}
	rep, err := f.store.Fsck(ctx, storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil || rep.Problems() != 0 {
		t.Fatalf("fsck: %+v, %v", rep, err)
	}
}

func TestExportHasEverythingButSecrets(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.store.Upload(ctx, storage.UploadInput{OwnerID: f.ann.ID, Filename: "tax.pdf", Body: bytes.NewReader(pdf(1, 900)), Size: 900, NoClassify: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`INSERT INTO topics (user_id, name, description, match, matching_algorithm) VALUES ($1, 'Tax', 'tax papers', 'finanzamt', 'any')`, f.ann.ID); err != nil {
		t.Fatal(err)
	}
	_, tok, err := apitokens.Create(ctx, f.db, f.ann.ID, apitokens.New{Name: "scanner", Scopes: []string{"upload"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.login(t, "ann", goodPassword); err != nil {
		t.Fatal(err)
	}
	if err := audit.Record(ctx, f.db, audit.Event{UserID: f.ann.ID, ActorID: f.ann.ID, Type: audit.Login}); err != nil {
		t.Fatal(err)
	}
	data, err := accounts.Export(ctx, f.db, f.ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, secret := range []string{"$argon2id$", "password_hash", "token_hash", tok} {
		if strings.Contains(s, secret) {
			t.Errorf("the export holds %q", secret)
		}
	}
	for _, want := range []string{`"handle":"ann"`, "tax.pdf", "tax papers", "finanzamt", `"name":"scanner"`, `"user_agent"`, `"event_type":"`} {
		if !strings.Contains(s, want) {
			t.Errorf("the export lacks %s", want)
		}
	}
	var back struct {
		Documents []map[string]any `json:"documents"`
		Sessions  []map[string]any `json:"sessions"`
	}
	if err := json.Unmarshal(b, &back); err != nil || len(back.Documents) != 1 || len(back.Sessions) != 1 {
		t.Fatalf("documents %d, sessions %d, %v", len(back.Documents), len(back.Sessions), err)
	}
	if _, ok := back.Documents[0]["extracted_text"]; ok {
		t.Error("the export holds extracted text")
	}
}
