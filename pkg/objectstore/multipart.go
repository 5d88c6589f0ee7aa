package objectstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/minio/minio-go/v7"
)

// IncompleteUpload is a multipart upload that was started under the bucket
// and neither completed nor aborted (its writer died mid-upload): its parts
// take space, but no object shows them.
type IncompleteUpload struct {
	Key       string    `json:"key"`
	UploadID  string    `json:"upload_id"`
	Initiated time.Time `json:"initiated"`
}

// Uploads lists and aborts incomplete multipart uploads. It needs the
// bucket policy's s3:ListBucketMultipartUploads, s3:AbortMultipartUpload
// and s3:ListMultipartUploadParts (AppPolicy grants them).
type Uploads interface {
	// ListIncompleteUploads calls fn for every incomplete upload whose key
	// begins with prefix ("" for the whole bucket). MinIO takes a non-empty
	// prefix as one exact key (it lists nothing for "a/" when "a/b" has an
	// upload), so a caller looking for uploads under a folder lists the
	// whole bucket, or each key it knows.
	ListIncompleteUploads(ctx context.Context, prefix string, fn func(IncompleteUpload) error) error
	// AbortUpload aborts one upload and frees its parts; an upload that is
	// already gone (completed or aborted since) is not an error.
	AbortUpload(ctx context.Context, key, uploadID string) error
}

var _ Uploads = (*MinioStore)(nil)

// ListIncompleteUploads implements Uploads.
func (s *MinioStore) ListIncompleteUploads(ctx context.Context, prefix string, fn func(IncompleteUpload) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops minio-go's listing goroutine when fn returns early
	for u := range s.client.ListIncompleteUploads(ctx, s.bucket, prefix, true) {
		if u.Err != nil {
			return fmt.Errorf("list incomplete uploads under %q: %w", prefix, s.convert(u.Err))
		}
		if err := fn(IncompleteUpload{Key: u.Key, UploadID: u.UploadID, Initiated: u.Initiated}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// AbortUpload implements Uploads.
func (s *MinioStore) AbortUpload(ctx context.Context, key, uploadID string) error {
	err := minio.Core{Client: s.client}.AbortMultipartUpload(ctx, s.bucket, key, uploadID)
	if err != nil && minio.ToErrorResponse(err).Code != "NoSuchUpload" {
		if err := s.convert(err); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("abort upload %s of %s: %w", uploadID, key, err)
		}
	}
	return nil
}
