package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/pkg/objectstore"
)

// TestBackupDumpAndMirrorRestore follows docs/operations.md, "Backups and
// consistent restore": pg_dump, then a copy of the bucket that only adds
// (here with minio-go, as `rclone copy` would), restored into a new
// database and MinIO bucket (pg_restore, objects copied back, migrate up,
// grant, bucket init); fsck is clean and every document and version
// downloads with its bytes.
func TestBackupDumpAndMirrorRestore(t *testing.T) {
	if _, err := exec.LookPath("pg_dump"); err != nil {
		if os.Getenv("DOCUVAULT_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatalf("pg_dump is required (DOCUVAULT_TEST_REQUIRE_SERVICES=1; scripts/services.sh installs PostgreSQL's client): %v", err)
		}
		t.Skip("pg_dump is not installed")
	}
	src := exportSource(t)
	tmp := t.TempDir()
	ctx := context.Background()
	dump := filepath.Join(tmp, "db.dump")
	if out, err := exec.Command("pg_dump", "--format=custom", "--dbname="+src.db.MigrateURL, "--file="+dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	// The bucket copy, after the dump.
	mirror := filepath.Join(tmp, "objects")
	srcStore := src.dep.AppStore(t)
	var keys []string
	err := srcStore.List(ctx, "", func(i objectstore.Info) error {
		rc, err := srcStore.Get(ctx, i.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		p := filepath.Join(mirror, filepath.FromSlash(i.Key))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		if _, err := f.ReadFrom(rc); err != nil {
			f.Close()
			return err
		}
		keys = append(keys, i.Key)
		return f.Close()
	})
	if err != nil || len(keys) != 3 {
		t.Fatalf("mirror: %v (%d objects, want 3)", err, len(keys))
	}

	// A new database and bucket: restore, then the deploy steps.
	dst := newDeployment(t)
	if out, err := exec.Command("pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname="+dst.db.MigrateURL, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	dst.run(t, nil, "migrate", "up").check(t, 0, "", "")
	dst.run(t, nil, "grant").check(t, 0, "", "")
	dst.run(t, nil, "bucket", "init").check(t, 0, "", "")
	dstStore, err := objectstore.New(objectstore.Options{Endpoint: dst.env["MINIO_ENDPOINT"], Bucket: dst.env["MINIO_BUCKET"],
		AccessKey: dst.env["MINIO_ACCESS_KEY"], SecretKey: dst.env["MINIO_SECRET_KEY"]})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		f, err := os.Open(filepath.Join(mirror, filepath.FromSlash(k)))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		_, err = dstStore.Put(ctx, k, f, st.Size(), "application/octet-stream")
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	dst.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")

	// Every document, in the trash or not, and the older version download.
	db := src.dep.AdminDB(t)
	var docs []struct {
		ID      string `db:"id"`
		Name    string `db:"filename"`
		Trashed bool   `db:"trashed"`
	}
	if err := db.Select(&docs, `SELECT id, filename, trashed_at IS NOT NULL AS trashed FROM documents ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DOCUVAULT_USER": "ann"}
	versioned := false
	for _, d := range docs {
		if d.Trashed { // back from the trash first, on both
			dst.run(t, env, "trash", "restore", d.ID).check(t, 0, "restored", "")
			src.run(t, env, "trash", "restore", d.ID).check(t, 0, "restored", "")
		}
		want := dst.run(t, env, "doc", "get", d.ID, "-o", "-")
		got := src.run(t, env, "doc", "get", d.ID, "-o", "-")
		if want.code != 0 || !bytes.Equal([]byte(want.stdout), []byte(got.stdout)) || want.stdout == "" {
			t.Errorf("document %s (%s) after the restore: exit %d %q, want %q\n%s", d.ID, d.Name, want.code, want.stdout, got.stdout, want.stderr)
		}
		if d.Name == "a2.txt" {
			versioned = true
			dst.run(t, env, "doc", "version", "get", d.ID, "1", "-o", "-").check(t, 0, "invoice alpha, first", "")
		}
	}
	if !versioned {
		t.Errorf("no document with a second version among %+v", docs)
	}
}
