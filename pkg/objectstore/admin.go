package objectstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/minio/minio-go/v7/pkg/signer"
	sio "github.com/secure-io/sio-go"
	"golang.org/x/crypto/argon2"
)

// Admin is the small part of MinIO's admin API (/minio/admin/v3) that
// `bucket init` needs: create a user, create a canned policy, attach it.
//
// It is written here rather than taken from madmin-go because madmin-go is
// under the AGPL, which would extend to the docuvault binary; the three calls
// need only SigV4 signing (minio-go) and madmin's request encryption
// (argon2id + sio, both under permissive licences).
type Admin struct {
	base       url.URL
	accessKey  string
	secretKey  string
	httpClient *http.Client
}

// NewAdmin returns an admin client for the MinIO server at o.Endpoint, with
// the root credentials in o.AccessKey and o.SecretKey.
func NewAdmin(o Options) (*Admin, error) {
	if o.Endpoint == "" {
		return nil, fmt.Errorf("MINIO_ENDPOINT is not set")
	}
	scheme := "http"
	if o.Secure {
		scheme = "https"
	}
	return &Admin{
		base:       url.URL{Scheme: scheme, Host: o.Endpoint, Path: "/minio/admin/v3"},
		accessKey:  o.AccessKey,
		secretKey:  o.SecretKey,
		httpClient: &http.Client{Timeout: 30 * time.Second},
	}, nil
}

// AdminError is an error answer of the admin API.
type AdminError struct {
	Status  int
	Code    string
	Message string
}

func (e *AdminError) Error() string {
	return fmt.Sprintf("minio admin: %s (%s, HTTP %d)", e.Message, e.Code, e.Status)
}

// Unwrap maps credential errors to ErrAccessDenied.
func (e *AdminError) Unwrap() error {
	switch e.Code {
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "XMinioAdminNotAllowed":
		return ErrAccessDenied
	}
	return nil
}

// AddUser creates (or, when it exists, updates the secret of) an enabled user.
func (a *Admin) AddUser(ctx context.Context, accessKey, secretKey string) error {
	body, err := json.Marshal(map[string]string{"secretKey": secretKey, "status": "enabled"})
	if err != nil {
		return err
	}
	enc, err := a.encrypt(body)
	if err != nil {
		return err
	}
	return a.do(ctx, http.MethodPut, "/add-user", url.Values{"accessKey": {accessKey}}, enc)
}

// AddCannedPolicy creates or replaces the policy called name.
func (a *Admin) AddCannedPolicy(ctx context.Context, name string, policy []byte) error {
	return a.do(ctx, http.MethodPut, "/add-canned-policy", url.Values{"name": {name}}, policy)
}

// AttachPolicy attaches the policy to user. A policy already attached is no error.
func (a *Admin) AttachPolicy(ctx context.Context, policy, user string) error {
	body, err := json.Marshal(map[string]any{"policies": []string{policy}, "user": user})
	if err != nil {
		return err
	}
	enc, err := a.encrypt(body)
	if err != nil {
		return err
	}
	err = a.do(ctx, http.MethodPost, "/idp/builtin/policy/attach", nil, enc)
	if ae, ok := err.(*AdminError); ok && ae.Code == "XMinioAdminPolicyChangeAlreadyApplied" {
		return nil
	}
	return err
}

func (a *Admin) do(ctx context.Context, method, path string, query url.Values, body []byte) error {
	u := a.base
	u.Path += path
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(body))
	sum := sha256.Sum256(body)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	req.Header.Set("Content-Type", "application/octet-stream")
	req = signer.SignV4(*req, a.accessKey, a.secretKey, "", "")
	resp, err := a.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("minio admin %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	ae := &AdminError{Status: resp.StatusCode}
	var parsed struct{ Code, Message string }
	if json.Unmarshal(raw, &parsed) == nil && parsed.Code != "" {
		ae.Code, ae.Message = parsed.Code, parsed.Message
	} else {
		ae.Code, ae.Message = http.StatusText(resp.StatusCode), "unexpected answer (is this a MinIO server? use --no-admin for other S3 servers)"
	}
	return ae
}

// encrypt seals an admin request body the way MinIO expects:
// salt(32) | id(1) | nonce | sio(AES-256-GCM) stream, with the key derived
// from the root secret by argon2id(time 1, memory 64 MiB, threads 4).
func (a *Admin) encrypt(plain []byte) ([]byte, error) {
	const idArgon2idAESGCM = 0x00
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	key := argon2.IDKey([]byte(a.secretKey), salt, 1, 64*1024, 4, 32)
	stream, err := sio.AES_256_GCM.Stream(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, stream.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(salt)
	buf.WriteByte(idArgon2idAESGCM)
	buf.Write(nonce)
	w := stream.EncryptWriter(&buf, nonce, nil)
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
