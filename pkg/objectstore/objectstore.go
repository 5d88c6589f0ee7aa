// Package objectstore is DocuVault's view of S3-compatible object storage:
// one bucket, S3-generic calls through minio-go, so MinIO, AWS S3 and other
// S3 servers all work. Only bucket initialisation's user-and-policy step
// (InitBucket with an admin client) is MinIO-specific.
//
// Errors for a key that does not exist wrap ErrNotFound; errors for
// rejected credentials or a refused operation wrap ErrAccessDenied.
package objectstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Sentinel errors of Store methods.
var (
	ErrNotFound     = errors.New("object not found")
	ErrAccessDenied = errors.New("access denied")
	ErrNoBucket     = errors.New("bucket does not exist")
	ErrUnavailable  = errors.New("object store unavailable")
	// ErrExists: PutChecked found the key taken (by any bytes).
	ErrExists = errors.New("an object exists under this key")
	// ErrChecksum: the store refused bytes whose checksum is not the one
	// sent with them.
	ErrChecksum = errors.New("the bytes do not match their checksum")
)

// PartSize is the multipart part size of uploads from a stream; with
// PutThreads it bounds the memory one upload holds (24 MiB).
const PartSize = 8 << 20

// PutThreads is how many parts of one upload are in flight at once.
const PutThreads = 3

// Info describes a stored object.
type Info struct {
	Key          string
	Size         int64
	ContentType  string
	LastModified time.Time
}

// Store is the object store, scoped to one bucket.
type Store interface {
	// Put stores r under key. size is the exact length, or -1 when unknown
	// (then the upload goes in parts of PartSize).
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (Info, error)
	// PutChecked stores the size bytes of r (at most PartSize), whose
	// SHA-256 is sum, under key in one request, only if the key is free
	// (else ErrExists, and the object is left as it is). The store checks
	// the bytes against sum and refuses them if they differ (ErrChecksum),
	// so the payload needs no signature of its own: over plain HTTP, Put
	// signs it chunk by chunk, which costs both ends a pass over the bytes.
	// The sum is kept with the object (StoredSHA256).
	PutChecked(ctx context.Context, key string, r io.Reader, size int64, sum []byte, contentType string) (Info, error)
	// Get opens the object's bytes; a missing key gives ErrNotFound.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat describes the object; a missing key gives ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every object under prefix, in key order.
	List(ctx context.Context, prefix string, fn func(Info) error) error
	// PresignGet returns a URL that downloads the object until ttl passes.
	PresignGet(ctx context.Context, key string, ttl time.Duration, filename string) (*url.URL, error)
	// Ping checks, with a real request, that the bucket exists and the
	// credentials can reach it.
	Ping(ctx context.Context) error
	// Bucket is the bucket's name.
	Bucket() string
}

// Options configures a connection to the object store.
type Options struct {
	Endpoint  string // host:port
	Secure    bool
	Region    string
	Bucket    string
	AccessKey string
	SecretKey string
}

// MinioStore is the Store on minio-go.
type MinioStore struct {
	client   *minio.Client
	bucket   string
	endpoint string
}

var _ Store = (*MinioStore)(nil)

// idleConnTimeout is how long an unused connection to the store is kept.
const idleConnTimeout = 20 * time.Second

// NewClient returns a minio-go client; it makes no request.
func NewClient(o Options) (*minio.Client, error) {
	if o.Endpoint == "" {
		return nil, errors.New("MINIO_ENDPOINT is not set")
	}
	if u, err := url.Parse(o.Endpoint); err == nil && u.Scheme != "" && u.Host != "" {
		return nil, fmt.Errorf("MINIO_ENDPOINT %q must be host:port, without a scheme (set MINIO_SECURE=true for https)", o.Endpoint)
	}
	tr, err := minio.DefaultTransport(o.Secure)
	if err != nil {
		return nil, err
	}
	// An idle connection is dropped before MinIO's own idle timeout (30 s by
	// default) would close it, so no request is sent on a connection the
	// server is closing (minio-go keeps them a minute).
	tr.IdleConnTimeout = idleConnTimeout
	c, err := minio.New(o.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure:     o.Secure,
		Region:     o.Region,
		MaxRetries: 3,
		Transport:  tr,
	})
	if err != nil {
		return nil, fmt.Errorf("MINIO_ENDPOINT %q: %w", o.Endpoint, err)
	}
	return c, nil
}

// New returns the Store for o.Bucket with the keys in o.
func New(o Options) (*MinioStore, error) {
	c, err := NewClient(o)
	if err != nil {
		return nil, err
	}
	return &MinioStore{client: c, bucket: o.Bucket, endpoint: o.Endpoint}, nil
}

// Bucket implements Store.
func (s *MinioStore) Bucket() string { return s.bucket }

// Put implements Store.
func (s *MinioStore) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (Info, error) {
	opts := minio.PutObjectOptions{ContentType: contentType, NumThreads: PutThreads}
	if _, isReaderAt := r.(io.ReaderAt); !isReaderAt || size < 0 {
		// A stream: parts of PartSize, PutThreads of them in flight from
		// buffers of their own (PartSize × PutThreads bytes in all), never
		// minio-go's default for unknown sizes (about 537 MiB).
		opts.PartSize = PartSize
		opts.ConcurrentStreamParts = true
	}
	// A ReaderAt of known size (a file): minio-go sends PutThreads sections
	// of it at once, read in place, with no part buffers.
	up, err := s.putObject(ctx, key, r, size, opts)
	if err != nil {
		// minio-go aborts a failed multipart upload with ctx, which may be the
		// reason it failed: abort again, unbounded by ctx, so no parts linger.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = s.client.RemoveIncompleteUpload(actx, s.bucket, key)
		return Info{}, fmt.Errorf("store the bytes: %w", s.convert(err))
	}
	return Info{Key: key, Size: up.Size, ContentType: contentType, LastModified: up.LastModified}, nil
}

// PutChecked implements Store: the SHA-256 goes as x-amz-checksum-sha256
// (a signed header, checked by the store), the payload unsigned, and
// If-None-Match: * makes the store refuse a key that is taken (412), in the
// same request: no HEAD first.
func (s *MinioStore) PutChecked(ctx context.Context, key string, r io.Reader, size int64, sum []byte, contentType string) (Info, error) {
	if size < 0 || size > PartSize || len(sum) != sha256.Size {
		return Info{}, fmt.Errorf("PutChecked: %d bytes with a %d-byte sum (want at most %d bytes, and a SHA-256)", size, len(sum), PartSize)
	}
	opts := minio.PutObjectOptions{ContentType: contentType, DisableMultipart: true, DisableContentSha256: true,
		UserMetadata: map[string]string{"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(sum)}}
	opts.SetMatchETagExcept("*")
	up, err := s.putObject(ctx, key, r, size, opts)
	if err != nil {
		switch minio.ToErrorResponse(err).Code {
		case "PreconditionFailed":
			return Info{}, fmt.Errorf("store %s: %w", key, ErrExists)
		case "XAmzContentChecksumMismatch", "BadDigest", "XAmzContentSHA256Mismatch", "InvalidChecksum":
			return Info{}, fmt.Errorf("store %s: %w (%s)", key, ErrChecksum, minio.ToErrorResponse(err).Message)
		}
		return Info{}, fmt.Errorf("store the bytes: %w", s.convert(err))
	}
	return Info{Key: key, Size: up.Size, ContentType: contentType, LastModified: up.LastModified}, nil
}

// putObject is minio-go's PutObject, tried once more when MinIO answers
// IncompleteBody ("You did not provide the number of bytes specified by the
// Content-Length HTTP header") for a body read in place from an io.ReaderAt
// of known size. Under load MinIO now and then says so although every byte
// was sent (minio/minio#21425, seen here in a 1,000-upload test), and
// minio-go does not retry that code. Such a body is read anew from its
// start, so the second try sends exactly what the first did; a stream
// cannot be read again, and keeps the error.
func (s *MinioStore) putObject(ctx context.Context, key string, r io.Reader, size int64, opts minio.PutObjectOptions) (minio.UploadInfo, error) {
	up, err := s.client.PutObject(ctx, s.bucket, key, r, size, opts)
	if _, readAt := r.(io.ReaderAt); err != nil && readAt && size >= 0 && ctx.Err() == nil &&
		minio.ToErrorResponse(err).Code == "IncompleteBody" {
		up, err = s.client.PutObject(ctx, s.bucket, key, r, size, opts)
	}
	return up, err
}

// Get implements Store.
func (s *MinioStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("get object %s: %w", key, s.convert(err))
	}
	// GetObject makes no request until used: Stat asks first (a HEAD), so a
	// missing key is reported here, not on Read; the reader can seek.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, fmt.Errorf("get object %s: %w", key, s.convert(err))
	}
	return obj, nil
}

// Stream opens the object's bytes for one read from start to end, in a
// single GET (Get's reader can also seek, at the price of a HEAD first); a
// missing key gives ErrNotFound at once.
func (s *MinioStore) Stream(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, _, _, err := minio.Core{Client: s.client}.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("get object %s: %w", key, s.convert(err))
	}
	return rc, nil
}

// Streamer is a Store that can also open an object for one sequential read
// more cheaply than Get.
type Streamer interface {
	Stream(ctx context.Context, key string) (io.ReadCloser, error)
}

var _ Streamer = (*MinioStore)(nil)

// Stat implements Store.
func (s *MinioStore) Stat(ctx context.Context, key string) (Info, error) {
	st, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, fmt.Errorf("stat object %s: %w", key, s.convert(err))
	}
	return Info{Key: st.Key, Size: st.Size, ContentType: st.ContentType, LastModified: st.LastModified}, nil
}

// StoredSHA256 returns the SHA-256 the store keeps with the object (one
// stored by PutChecked), or nil when it keeps none; a missing key gives
// ErrNotFound. It reads no bytes of the object.
func (s *MinioStore) StoredSHA256(ctx context.Context, key string) (size int64, sum []byte, err error) {
	st, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{Checksum: true})
	if err != nil {
		return 0, nil, fmt.Errorf("stat object %s: %w", key, s.convert(err))
	}
	if st.ChecksumSHA256 == "" || st.ChecksumMode == "COMPOSITE" {
		return st.Size, nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(st.ChecksumSHA256)
	if err != nil || len(b) != sha256.Size {
		return st.Size, nil, nil
	}
	return st.Size, b, nil
}

// Summer is a Store that can tell an object's SHA-256 without reading it,
// when it was stored with one.
type Summer interface {
	StoredSHA256(ctx context.Context, key string) (size int64, sum []byte, err error)
}

var _ Summer = (*MinioStore)(nil)

// Delete implements Store.
func (s *MinioStore) Delete(ctx context.Context, key string) error {
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		if err := s.convert(err); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("delete object %s: %w", key, err)
		}
	}
	return nil
}

// List implements Store.
func (s *MinioStore) List(ctx context.Context, prefix string, fn func(Info) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops minio-go's listing goroutine when fn returns early
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("list objects under %q: %w", prefix, s.convert(o.Err))
		}
		if err := fn(Info{Key: o.Key, Size: o.Size, ContentType: o.ContentType, LastModified: o.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// PresignGet implements Store. filename, when not empty, becomes the
// download's name through response-content-disposition.
func (s *MinioStore) PresignGet(ctx context.Context, key string, ttl time.Duration, filename string) (*url.URL, error) {
	params := url.Values{}
	if filename != "" {
		params.Set("response-content-disposition", fmt.Sprintf("attachment; filename*=UTF-8''%s", url.PathEscape(filename)))
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, key, ttl, params)
	if err != nil {
		return nil, fmt.Errorf("presign %s: %w", key, s.convert(err))
	}
	return u, nil
}

// Ping implements Store.
func (s *MinioStore) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		err = s.convert(err)
		if errors.Is(err, ErrAccessDenied) && !strings.Contains(err.Error(), "key is wrong") {
			return fmt.Errorf("bucket %s: %w (the key may not use this bucket: check MINIO_BUCKET, or run `docuvault bucket init`)", s.bucket, err)
		}
		return fmt.Errorf("bucket %s: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("bucket %s: %w (run `docuvault bucket init`)", s.bucket, ErrNoBucket)
	}
	return nil
}

// convert is the package's convert, with network failures named as the
// endpoint being unavailable.
func (s *MinioStore) convert(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		reason := urlErr.Err.Error()
		var opErr *net.OpError
		if errors.As(err, &opErr) {
			reason = opErr.Err.Error()
		}
		return fmt.Errorf("%w at %s (MINIO_ENDPOINT): %s", ErrUnavailable, s.endpoint, reason)
	}
	return convert(err)
}

// convert maps minio-go's error responses to this package's sentinels,
// keeping the server's message. ToErrorResponse does not unwrap, so it is
// called on the error as minio-go returned it.
func convert(err error) error {
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchKey":
		return fmt.Errorf("%w: %s", ErrNotFound, resp.Message)
	case "NoSuchBucket":
		return fmt.Errorf("%w: %s", ErrNoBucket, resp.Message)
	case "InvalidAccessKeyId", "SignatureDoesNotMatch":
		return fmt.Errorf("%w: the access key or secret key is wrong (%s)", ErrAccessDenied, resp.Code)
	case "AccessDenied":
		return fmt.Errorf("%w: %s", ErrAccessDenied, resp.Message)
	}
	if resp.StatusCode == 404 && resp.Code == "" {
		return ErrNotFound
	}
	if resp.StatusCode == 503 || strings.HasSuffix(resp.Code, "NotInitialized") {
		// A MinIO starting again answers "Server (or IAM sub-system) not
		// initialized yet, please try again" for a while: unavailable, as
		// when it is down, not an internal error (tests/chaos).
		return fmt.Errorf("%w: %s", ErrUnavailable, resp.Message)
	}
	return err
}
