package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/docuvault/docuvault/pkg/storage"
)

// TestQuotaEdge: into an empty quota of 10,000 bytes, a document of 10,001
// bytes is refused — with its size declared and streamed without one —
// and nothing of it stays; one of exactly 10,000 is stored, and then one
// more byte is over.
func TestQuotaEdge(t *testing.T) {
	const quota = 10_000
	f := newFixture(t, storage.Limits{}, quota)
	sized := func(name string, n int) []byte {
		b := pdf(name)
		return append(b, bytes.Repeat([]byte(" "), n-len(b))...)
	}
	over := sized("over", quota+1)
	for _, size := range []int64{int64(len(over)), -1} {
		_, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "over.pdf", Body: bytes.NewReader(over), Size: size})
		if !errors.Is(err, storage.ErrOverQuota) {
			t.Errorf("one byte over, size %d: %v, want ErrOverQuota", size, err)
		}
		if n := f.consistent(t); n != 0 {
			t.Fatalf("one byte over, size %d: %d documents stored", size, n)
		}
	}
	for i, size := range []int64{quota, -1} {
		exact := sized(fmt.Sprint("exact", i), quota)
		res, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "exact.pdf", Body: bytes.NewReader(exact), Size: size})
		if err != nil {
			t.Fatalf("exactly the quota, size %d: %v", size, err)
		}
		if n := f.consistent(t); n != 1 {
			t.Fatalf("exactly the quota: %d documents", n)
		}
		one := []byte("a")
		if _, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "one.txt", Body: bytes.NewReader(one), Size: -1}); !errors.Is(err, storage.ErrOverQuota) {
			t.Errorf("one byte into a full quota: %v, want ErrOverQuota", err)
		}
		if err := f.svc.Delete(ctx(t), f.user.ID, res.Document.ID); err != nil {
			t.Fatal(err)
		}
		if n := f.consistent(t); n != 0 {
			t.Fatalf("after the delete: %d documents", n)
		}
	}
}
