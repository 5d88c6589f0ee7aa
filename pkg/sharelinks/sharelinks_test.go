package sharelinks_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/sharelinks"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

type fixture struct {
	ctx        context.Context
	db, admin  *sqlx.DB
	svc        *sharelinks.Service
	ann, bob   string
	doc, doc2  string
	folder     string
	inFolder   string
	bobDoc     string
	uploading  string
	otherInSub string
}

func setup(t *testing.T, o sharelinks.Options) fixture {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	pool, err := redisconn.NewPool(d.RedisURL, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	o.Secret, o.Namespace = "0123456789abcdef0123456789abcdef-links", d.Namespace
	svc, err := sharelinks.New(db, pool, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	f := fixture{ctx: ctx, db: db, admin: d.AdminDB(t), svc: svc}
	f.ann = mkUser(t, f, "ann")
	f.bob = mkUser(t, f, "bob")
	if err := db.GetContext(ctx, &f.folder, `INSERT INTO folders (user_id, name) VALUES ($1, 'Taxes') RETURNING id`, f.ann); err != nil {
		t.Fatal(err)
	}
	var sub string
	if err := db.GetContext(ctx, &sub, `INSERT INTO folders (user_id, name, parent_id) VALUES ($1, '2024', $2) RETURNING id`, f.ann, f.folder); err != nil {
		t.Fatal(err)
	}
	f.doc = mkDoc(t, f, f.ann, "lease.pdf", "classified", "")
	f.doc2 = mkDoc(t, f, f.ann, "other.pdf", "classified", "")
	f.inFolder = mkDoc(t, f, f.ann, "tax.pdf", "classified", f.folder)
	f.otherInSub = mkDoc(t, f, f.ann, "sub.pdf", "classified", sub)
	f.uploading = mkDoc(t, f, f.ann, "half.pdf", "uploading", f.folder)
	f.bobDoc = mkDoc(t, f, f.bob, "bob.pdf", "classified", "")
	return f
}

func mkUser(t *testing.T, f fixture, handle string) string {
	t.Helper()
	u, err := users.Create(f.ctx, f.db, users.NewUser{Handle: handle, Email: handle + "@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func mkDoc(t *testing.T, f fixture, owner, name, status, folder string) string {
	t.Helper()
	var id string
	var folderID any
	if folder != "" {
		folderID = folder
	}
	err := f.db.GetContext(f.ctx, &id, `INSERT INTO documents (user_id, filename, object_key, content_type, status, folder_id)
		VALUES ($1, $2, gen_random_uuid()::text, 'application/pdf', $3, $4) RETURNING id`, owner, name, status, folderID)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func wantIs(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", what, err, want)
	}
}

func TestLinkReachesOnlyItsDocument(t *testing.T) {
	f := setup(t, sharelinks.Options{})
	l, token, err := f.svc.Create(f.ctx, f.ann, sharelinks.Spec{DocumentID: f.doc})
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != sharelinks.TokenLen || l.Name != "lease.pdf" || l.State != "active" || l.HasPassword {
		t.Fatalf("link %+v, token %q", l, token)
	}
	// Only the SHA-256 is stored.
	var stored int
	if err := f.admin.Get(&stored, `SELECT count(*) FROM share_links WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, token); err != nil || stored != 1 {
		t.Fatalf("stored by hash: %d %v", stored, err)
	}
	if n := countText(t, f, token); n != 0 {
		t.Errorf("the token itself is stored %d times", n)
	}
	r, err := f.svc.Resolve(f.ctx, token)
	if err != nil || r.ID != l.ID {
		t.Fatalf("resolve: %v %+v", err, r)
	}
	if err := f.svc.Authorize(r, ""); err != nil {
		t.Errorf("no password, no access value: %v", err)
	}
	if d, err := f.svc.Document(f.ctx, r, ""); err != nil || d.ID != f.doc {
		t.Errorf("its document: %v %+v", err, d)
	}
	for _, other := range []string{f.doc2, f.bobDoc, f.inFolder, f.uploading, "not-an-id", "00000000-0000-0000-0000-000000000000"} {
		_, err := f.svc.Document(f.ctx, r, other)
		wantIs(t, "another document "+other, err, sharelinks.ErrNotFound)
	}
	// Not anyone else's documents or folders.
	_, _, err = f.svc.Create(f.ctx, f.bob, sharelinks.Spec{DocumentID: f.doc})
	wantIs(t, "bob links ann's document", err, sharelinks.ErrNotFound)
	_, _, err = f.svc.Create(f.ctx, f.bob, sharelinks.Spec{FolderID: f.folder})
	wantIs(t, "bob links ann's folder", err, sharelinks.ErrNotFound)
	_, _, err = f.svc.Create(f.ctx, f.ann, sharelinks.Spec{DocumentID: f.uploading})
	wantIs(t, "an uploading document", err, sharelinks.ErrNotFound)
	_, err = f.svc.Revoke(f.ctx, f.bob, l.ID)
	wantIs(t, "bob revokes ann's link", err, sharelinks.ErrNotFound)

	// A document that stops being visible (here: uploading again; trash
	// goes through the same shares.Visible) is out of reach.
	if _, err := f.admin.Exec(`UPDATE documents SET status = 'uploading' WHERE id = $1`, f.doc); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Document(f.ctx, r, "")
	wantIs(t, "invisible document", err, sharelinks.ErrNotFound)
	if _, err := f.admin.Exec(`UPDATE documents SET status = 'classified' WHERE id = $1`, f.doc); err != nil {
		t.Fatal(err)
	}

	// A disabled owner's links stop working with the account.
	if _, err := f.admin.Exec(`UPDATE users SET is_active = false WHERE id = $1`, f.ann); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Resolve(f.ctx, token)
	wantIs(t, "disabled owner", err, sharelinks.ErrNotFound)
	if _, err := f.admin.Exec(`UPDATE users SET is_active = true WHERE id = $1`, f.ann); err != nil {
		t.Fatal(err)
	}

	// Revoked: gone at once, for Resolve and for a link already resolved.
	if _, err := f.svc.Revoke(f.ctx, f.ann, l.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Resolve(f.ctx, token)
	wantIs(t, "revoked", err, sharelinks.ErrNotFound)
	wantIs(t, "claim on revoked", f.svc.Claim(f.ctx, r), sharelinks.ErrNotFound)
	ls, err := f.svc.List(f.ctx, f.ann, "")
	if err != nil || len(ls) != 1 || ls[0].State != "revoked" {
		t.Errorf("list after revoke: %v %+v", err, ls)
	}
	// A deleted document takes its links with it.
	_, token2, err := f.svc.Create(f.ctx, f.ann, sharelinks.Spec{DocumentID: f.doc2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.admin.Exec(`DELETE FROM documents WHERE id = $1`, f.doc2); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Resolve(f.ctx, token2)
	wantIs(t, "deleted document's link", err, sharelinks.ErrNotFound)
	for _, bad := range []string{"", "x", strings.Repeat("A", sharelinks.TokenLen), token + "x"} {
		_, err = f.svc.Resolve(f.ctx, bad)
		wantIs(t, "token "+bad, err, sharelinks.ErrNotFound)
	}
}

func countText(t *testing.T, f fixture, s string) int {
	t.Helper()
	var n int
	if err := f.admin.Get(&n, `SELECT count(*) FROM share_links l WHERE l::text LIKE '%' || $1 || '%'`, s); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFolderLinkFollowsTheFolder(t *testing.T) {
	f := setup(t, sharelinks.Options{})
	l, token, err := f.svc.Create(f.ctx, f.ann, sharelinks.Spec{FolderID: f.folder})
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "Taxes" || l.FolderID == nil {
		t.Fatalf("folder link %+v", l)
	}
	r, err := f.svc.Resolve(f.ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.svc.Documents(f.ctx, r)
	if err != nil || len(ds) != 1 || ds[0].ID != f.inFolder {
		t.Fatalf("folder's documents (not the subfolder's, not uploading): %v %+v", err, ds)
	}
	_, err = f.svc.Document(f.ctx, r, "")
	wantIs(t, "a folder link names no single document", err, sharelinks.ErrNotFound)
	for _, other := range []string{f.otherInSub, f.doc, f.bobDoc, f.uploading} {
		_, err := f.svc.Document(f.ctx, r, other)
		wantIs(t, "outside the folder "+other, err, sharelinks.ErrNotFound)
	}
	// Moved out: out of reach. Moved in: reached.
	if _, err := f.admin.Exec(`UPDATE documents SET folder_id = NULL WHERE id = $1`, f.inFolder); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Document(f.ctx, r, f.inFolder)
	wantIs(t, "moved out of the folder", err, sharelinks.ErrNotFound)
	if _, err := f.admin.Exec(`UPDATE documents SET folder_id = $2 WHERE id = $1`, f.doc, f.folder); err != nil {
		t.Fatal(err)
	}
	if d, err := f.svc.Document(f.ctx, r, f.doc); err != nil || d.Filename != "lease.pdf" {
		t.Errorf("moved into the folder: %v %+v", err, d)
	}
	// Another user's document in (a folder row of) ann's folder id is
	// never reached: ownership is checked too.
	if _, err := f.admin.Exec(`UPDATE documents SET folder_id = $2 WHERE id = $1`, f.bobDoc, f.folder); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Document(f.ctx, r, f.bobDoc)
	wantIs(t, "bob's document in ann's folder", err, sharelinks.ErrNotFound)
}

func TestLinkExpiryAndPassword(t *testing.T) {
	f := setup(t, sharelinks.Options{LinkLimit: sharelinks.Limit{N: 3, Window: time.Minute}, IPLimit: sharelinks.Limit{N: 100, Window: time.Minute}})
	past := time.Now().Add(-time.Minute)
	_, _, err := f.svc.Create(f.ctx, f.ann, sharelinks.Spec{DocumentID: f.doc, ExpiresAt: &past})
	wantIs(t, "expiry in the past", err, sharelinks.ErrInvalid)
	_, _, err = f.svc.Create(f.ctx, f.ann, sharelinks.Spec{DocumentID: f.doc, Password: "short"})
	wantIs(t, "short password", err, sharelinks.ErrInvalid)
	_, _, err = f.svc.Create(f.ctx, f.ann, sharelinks.Spec{DocumentID: f.doc, MaxDownloads: -1})
	wantIs(t, "negative limit", err, sharelinks.ErrInvalid)

	soon := time.Now().Add(time.Hour)
	l, token, err := f.svc.Create(f.ctx, f.ann, sharelinks.Spec{DocumentID: f.doc, ExpiresAt: &soon, Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	var hash string
	if err := f.admin.Get(&hash, `SELECT password_hash FROM share_links WHERE id = $1`, l.ID); err != nil || !strings.HasPrefix(hash, "$argon2id$v=19$") {
		t.Fatalf("password hash %q %v", hash, err)
	}
	r, err := f.svc.Resolve(f.ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	wantIs(t, "no access value", f.svc.Authorize(r, ""), sharelinks.ErrLocked)
	wantIs(t, "forged access value", f.svc.Authorize(r, "9999999999.AAAA"), sharelinks.ErrLocked)

	// A wrong password is exactly a missing link.
	_, _, _, errWrong := f.svc.Unlock(f.ctx, token, "wrong horse", "192.0.2.1")
	_, _, _, errMissing := f.svc.Unlock(f.ctx, strings.Repeat("A", sharelinks.TokenLen), "correct horse", "192.0.2.1")
	wantIs(t, "wrong password", errWrong, sharelinks.ErrNotFound)
	wantIs(t, "missing link", errMissing, sharelinks.ErrNotFound)
	if errWrong.Error() != errMissing.Error() {
		t.Errorf("wrong password %q, missing link %q", errWrong, errMissing)
	}
	access, exp, _, err := f.svc.Unlock(f.ctx, token, "correct horse", "192.0.2.1")
	if err != nil || exp.After(soon.Add(time.Millisecond)) {
		t.Fatalf("unlock: %v, expires %v (link %v)", err, exp, soon)
	}
	if err := f.svc.Authorize(r, access); err != nil {
		t.Errorf("unlocked: %v", err)
	}
	// The value is the link's only.
	l2, token2, err := f.svc.Create(f.ctx, f.ann, sharelinks.Spec{DocumentID: f.doc2, Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.svc.Resolve(f.ctx, token2)
	if err != nil || r2.ID != l2.ID {
		t.Fatal(err)
	}
	wantIs(t, "another link's access value", f.svc.Authorize(r2, access), sharelinks.ErrLocked)

	// Per-link limit: 3 failures (one above, two more), then 429 even with
	// the right password, from any address.
	for range 2 {
		_, _, _, err := f.svc.Unlock(f.ctx, token, "wrong again", "192.0.2.2")
		wantIs(t, "wrong", err, sharelinks.ErrNotFound)
	}
	_, _, _, err = f.svc.Unlock(f.ctx, token, "correct horse", "192.0.2.3")
	var rl *sharelinks.RateLimitError
	if !errors.As(err, &rl) || rl.Scope != "link" {
		t.Errorf("after 3 failures: %v, want a rate limit of the link", err)
	}
	// Expired: gone.
	if _, err := f.admin.Exec(`UPDATE share_links SET expires_at = now() - interval '1 second' WHERE id = $1`, l2.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Resolve(f.ctx, token2)
	wantIs(t, "expired", err, sharelinks.ErrNotFound)
	_, _, _, err = f.svc.Unlock(f.ctx, token2, "correct horse", "192.0.2.4")
	wantIs(t, "unlock an expired link", err, sharelinks.ErrNotFound)
	if ls, _ := f.svc.List(f.ctx, f.ann, f.doc2); len(ls) != 1 || ls[0].State != "expired" {
		t.Errorf("expired link listed as %+v", ls)
	}
}

func TestIPRateLimit(t *testing.T) {
	f := setup(t, sharelinks.Options{IPLimit: sharelinks.Limit{N: 2, Window: time.Minute}})
	for i := range 2 {
		_, _, _, err := f.svc.Unlock(f.ctx, strings.Repeat("B", sharelinks.TokenLen-1)+string(rune('a'+i)), "guess", "198.51.100.7")
		wantIs(t, "unknown token", err, sharelinks.ErrNotFound)
	}
	_, _, _, err := f.svc.Unlock(f.ctx, strings.Repeat("C", sharelinks.TokenLen), "guess", "198.51.100.7")
	var rl *sharelinks.RateLimitError
	if !errors.As(err, &rl) || rl.Scope != "address" || rl.RetryAfter <= 0 {
		t.Errorf("third guess from one address: %v", err)
	}
	_, _, _, err = f.svc.Unlock(f.ctx, strings.Repeat("C", sharelinks.TokenLen), "guess", "198.51.100.8")
	wantIs(t, "another address", err, sharelinks.ErrNotFound)
}

// Twenty concurrent downloads of a link allowing five: exactly five count.
func TestDownloadLimitExactUnderConcurrency(t *testing.T) {
	f := setup(t, sharelinks.Options{})
	l, token, err := f.svc.Create(f.ctx, f.ann, sharelinks.Spec{DocumentID: f.doc, MaxDownloads: 5})
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.Resolve(f.ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch err := f.svc.Claim(f.ctx, r); {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, sharelinks.ErrNotFound):
				refused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 5 || refused.Load() != 15 {
		t.Errorf("%d downloads counted, %d refused; want 5 and 15", ok.Load(), refused.Load())
	}
	_, err = f.svc.Resolve(f.ctx, token)
	wantIs(t, "exhausted", err, sharelinks.ErrNotFound)
	got, err := f.svc.Get(f.ctx, f.ann, l.ID)
	if err != nil || got.Downloads != 5 || got.State != "exhausted" {
		t.Errorf("after: %v %+v", err, got)
	}
}
