package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	pathpkg "path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/studio-b12/gowebdav"
)

// Connection-level failures: the sync stops, and the connection is put in
// status ERROR with the reason. Each is wrapped with ErrConnection too.
var (
	// ErrConnection: the path could not be listed or read (any of below).
	ErrConnection = errors.New("cloud connection failed")
	// ErrAuth: the server refused the credentials (401/403, a wrong key).
	ErrAuth = errors.New("credentials refused")
	// ErrUnreachable: no connection to the server, or no answer in time.
	ErrUnreachable = errors.New("server unreachable")
	// ErrServer: the server answered with an error of its own (5xx).
	ErrServer = errors.New("server error")
	// ErrNoPath: the bucket or folder does not exist.
	ErrNoPath = errors.New("no such bucket or folder")
)

// Item is one remote file, its Path relative to the connection's path
// ('/'-separated, no leading '/').
type Item struct {
	Path    string
	Size    int64
	ETag    string
	ModTime time.Time
}

// Remote is a provider's view of a connection's path.
type Remote interface {
	// List calls fn with every file under the path, in no given order.
	// Its errors (and Open's, but for fs.ErrNotExist) wrap ErrConnection
	// and one of ErrAuth, ErrUnreachable, ErrServer, ErrNoPath.
	List(ctx context.Context, fn func(Item) error) error
	// Open reads one file; fs.ErrNotExist (wrapped) when it is gone.
	Open(ctx context.Context, path string) (io.ReadCloser, error)
}

// connErr is a connection-level failure: ErrConnection and kind, with a
// one-line message.
func connErr(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrConnection, kind, fmt.Sprintf(format, args...))
}

// transport is the HTTP transport of both providers: a server that takes
// longer than timeout to connect or to answer a request's headers is
// unreachable, and so is a body that stalls for timeout (idleBody).
func transport(timeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       20 * time.Second,
		MaxIdleConnsPerHost:   8,
	}
}

// netErr describes a transport error in one line.
func netErr(where string, err error, timeout time.Duration) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return connErr(ErrUnreachable, "%s did not answer within %s", where, timeout)
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return connErr(ErrUnreachable, "cannot connect to %s: %v", where, op.Err)
	}
	return connErr(ErrUnreachable, "%s: %v", where, err)
}

// idleBody fails a body that delivers nothing for timeout: a server that
// hangs mid-file does not hold a sync forever.
type idleBody struct {
	rc      io.ReadCloser
	timer   *time.Timer
	timeout time.Duration
	fired   atomic.Bool
}

func newIdleBody(rc io.ReadCloser, timeout time.Duration) *idleBody {
	b := &idleBody{rc: rc, timeout: timeout}
	b.timer = time.AfterFunc(timeout, func() { b.fired.Store(true); _ = rc.Close() })
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err := b.Stalled(); err != nil {
		return n, err
	}
	b.timer.Reset(b.timeout)
	return n, err
}

func (b *idleBody) Close() error { b.timer.Stop(); return b.rc.Close() }

// Stalled is the connection error of a body that stopped coming, else nil:
// whoever read it may have lost the error on the way (storage does not
// keep a reader's error chain).
func (b *idleBody) Stalled() error {
	if b.fired.Load() {
		return connErr(ErrUnreachable, "the server stopped sending the file for %s", b.timeout)
	}
	return nil
}

// ---------------------------------------------------------------- S3

type s3Remote struct {
	c       *minio.Client
	bucket  string
	prefix  string // "" or ending in "/"
	where   string
	timeout time.Duration
}

func newS3(c Connection, cr credentials, timeout time.Duration) (Remote, error) {
	cl, err := minio.New(c.Endpoint, &minio.Options{
		Creds:      miniocreds.NewStaticV4(cr.Login, cr.Secret, ""),
		Secure:     c.Secure,
		Region:     c.Region,
		Transport:  transport(timeout),
		MaxRetries: 1,
	})
	if err != nil {
		return nil, connErr(ErrUnreachable, "endpoint %q: %v", c.Endpoint, err)
	}
	prefix := c.Path
	if prefix != "" {
		prefix += "/"
	}
	scheme := "http"
	if c.Secure {
		scheme = "https"
	}
	return &s3Remote{c: cl, bucket: c.Bucket, prefix: prefix, where: fmt.Sprintf("%s://%s", scheme, c.Endpoint), timeout: timeout}, nil
}

func (r *s3Remote) err(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "AccessDenied" || resp.Code == "InvalidAccessKeyId" || resp.Code == "SignatureDoesNotMatch" || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized:
		return connErr(ErrAuth, "%s refused the access key or secret key (%s): check them, and that they may read bucket %s", r.where, orStatus(resp.Code, resp.StatusCode), r.bucket)
	case resp.Code == "NoSuchBucket":
		return connErr(ErrNoPath, "bucket %s does not exist on %s", r.bucket, r.where)
	case resp.StatusCode >= 500:
		return connErr(ErrServer, "%s answered %d %s", r.where, resp.StatusCode, http.StatusText(resp.StatusCode))
	case resp.StatusCode != 0:
		return connErr(ErrServer, "%s answered %d (%s)", r.where, resp.StatusCode, resp.Code)
	}
	return netErr(r.where, err, r.timeout)
}

func orStatus(code string, status int) string {
	if code != "" {
		return code
	}
	return fmt.Sprintf("%d", status)
}

func (r *s3Remote) List(ctx context.Context, fn func(Item) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops minio-go's listing goroutine when fn fails
	for o := range r.c.ListObjects(ctx, r.bucket, minio.ListObjectsOptions{Prefix: r.prefix, Recursive: true}) {
		if o.Err != nil {
			return r.err(o.Err)
		}
		if strings.HasSuffix(o.Key, "/") {
			continue // a folder marker
		}
		if err := fn(Item{Path: strings.TrimPrefix(o.Key, r.prefix), Size: o.Size, ETag: strings.Trim(o.ETag, `"`), ModTime: o.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (r *s3Remote) Open(ctx context.Context, path string) (io.ReadCloser, error) {
	o, err := r.c.GetObject(ctx, r.bucket, r.prefix+path, minio.GetObjectOptions{})
	if err == nil {
		// GetObject sends nothing until the first read: Stat does.
		if _, err = o.Stat(); err == nil {
			return newIdleBody(o, r.timeout), nil
		}
		_ = o.Close()
	}
	if c := minio.ToErrorResponse(err).Code; c == "NoSuchKey" {
		return nil, fmt.Errorf("%s: %w", path, fs.ErrNotExist)
	}
	return nil, r.err(err)
}

// ---------------------------------------------------------------- WebDAV

type davRemote struct {
	c       *gowebdav.Client
	root    string // the connection's path, "/…/" or "/"
	where   string
	timeout time.Duration
}

func newWebDAV(ctx context.Context, c Connection, cr credentials, timeout time.Duration) Remote {
	cl := gowebdav.NewClient(c.Endpoint, cr.Login, cr.Secret)
	cl.SetTransport(transport(timeout))
	// gowebdav takes no context: each request gets the sync's.
	cl.SetInterceptor(func(_ string, rq *http.Request) { *rq = *rq.WithContext(ctx) })
	root := "/"
	if c.Path != "" {
		root = "/" + c.Path + "/"
	}
	return &davRemote{c: cl, root: root, where: strings.TrimSuffix(c.Endpoint, "/") + root, timeout: timeout}
}

func (r *davRemote) err(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var se gowebdav.StatusError
	if errors.As(err, &se) {
		switch {
		case se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden:
			return connErr(ErrAuth, "%s refused the login or password (%d %s): check them", r.where, se.Status, http.StatusText(se.Status))
		case se.Status == http.StatusNotFound:
			return connErr(ErrNoPath, "%s does not exist (404): check the URL and --path", r.where)
		case se.Status == http.StatusMethodNotAllowed:
			return connErr(ErrNoPath, "%s is not a WebDAV folder (405): check the URL and --path", r.where)
		case se.Status >= 500:
			return connErr(ErrServer, "%s answered %d %s", r.where, se.Status, http.StatusText(se.Status))
		default:
			return connErr(ErrServer, "%s answered %d %s", r.where, se.Status, http.StatusText(se.Status))
		}
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return netErr(r.where, err, r.timeout)
}

func (r *davRemote) List(ctx context.Context, fn func(Item) error) error {
	return r.walk(ctx, r.root, fn)
}

func (r *davRemote) walk(ctx context.Context, dir string, fn func(Item) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	infos, err := r.c.ReadDir(dir)
	if err != nil {
		return r.err(err)
	}
	for _, fi := range infos {
		f, ok := fi.(gowebdav.File)
		if !ok {
			continue
		}
		p := pathpkg.Join(dir, f.Name())
		if f.IsDir() {
			if err := r.walk(ctx, p+"/", fn); err != nil {
				return err
			}
			continue
		}
		if err := fn(Item{Path: strings.TrimPrefix(p, r.root), Size: f.Size(), ETag: strings.Trim(f.ETag(), `"`), ModTime: f.ModTime()}); err != nil {
			return err
		}
	}
	return nil
}

func (r *davRemote) Open(_ context.Context, path string) (io.ReadCloser, error) {
	rc, err := r.c.ReadStream(r.root + path)
	if err != nil {
		if gowebdav.IsErrNotFound(err) {
			return nil, fmt.Errorf("%s: %w", path, fs.ErrNotExist)
		}
		return nil, r.err(err)
	}
	return newIdleBody(rc, r.timeout), nil
}

// open returns the Remote of c.
func open(ctx context.Context, c Connection, cr credentials, timeout time.Duration) (Remote, error) {
	switch c.Provider {
	case ProviderS3:
		return newS3(c, cr, timeout)
	case ProviderWebDAV:
		return newWebDAV(ctx, c, cr, timeout), nil
	}
	return nil, fmt.Errorf("%w: unknown provider %q", ErrInvalid, c.Provider)
}
