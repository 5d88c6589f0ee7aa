// Command benchingestseed fills the sources of
// scripts/bench-ingest-backpressure.sh quickly, and empties them again:
//
//	benchingestseed mail FOLDER N   # N messages, each with one PDF attachment of about 20 KB,
//	                                # APPENDed to a new FOLDER of this checkout's Dovecot
//	benchingestseed s3 BUCKET N     # a new BUCKET of this checkout's MinIO with N objects of 2-20 KB
//	benchingestseed rm-mail FOLDER  # deletes the folder
//	benchingestseed rm-s3 BUCKET    # deletes the bucket and its objects
//
// It reads scripts/services.sh's .dev/env variables (DOCUVAULT_TEST_IMAP_*,
// MINIO_ENDPOINT, MINIO_ROOT_*). Every message and object has content of
// its own, so none is a duplicate of another.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-imap/client"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchingestseed:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: benchingestseed mail|s3 NAME N, or rm-mail|rm-s3 NAME")
	}
	n := 0
	if len(args) > 2 {
		var err error
		if n, err = strconv.Atoi(args[2]); err != nil || n < 1 {
			return fmt.Errorf("N must be a positive number, not %q", args[2])
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	switch args[0] {
	case "mail":
		return mail(args[1], n, false)
	case "rm-mail":
		return mail(args[1], 0, true)
	case "s3":
		return s3(ctx, args[1], n, false)
	case "rm-s3":
		return s3(ctx, args[1], 0, true)
	}
	return fmt.Errorf("unknown mode %q", args[0])
}

func env(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("%s is not set: source .dev/env (scripts/services.sh up)", name)
	}
	return v, nil
}

// imapClient signs in with STARTTLS, trusting the dev server's certificate.
func imapClient() (*client.Client, error) {
	addr, err := env("DOCUVAULT_TEST_IMAP_ADDR")
	if err != nil {
		return nil, err
	}
	caFile, err := env("DOCUVAULT_TEST_IMAP_CA")
	if err != nil {
		return nil, err
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	c, err := client.Dial(addr)
	if err != nil {
		return nil, err
	}
	c.Timeout = time.Minute
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if err := c.StartTLS(&tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
		return nil, fmt.Errorf("STARTTLS: %w", err)
	}
	user, err := env("DOCUVAULT_TEST_IMAP_USER")
	if err != nil {
		return nil, err
	}
	pass, err := env("DOCUVAULT_TEST_IMAP_PASSWORD")
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, pass); err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	return c, nil
}

func mail(folder string, n int, remove bool) error {
	c, err := imapClient()
	if err != nil {
		return err
	}
	defer func() { _ = c.Logout() }()
	if remove {
		return c.Delete(folder)
	}
	if err := c.Create(folder); err != nil {
		return fmt.Errorf("create folder %s: %w", folder, err)
	}
	pad := make([]byte, 15<<10)
	for i := range pad {
		pad[i] = 'a' + byte(i%26)
	}
	start := time.Now()
	for i := range n {
		pdf := fmt.Sprintf("%%PDF-1.4\n%% backpressure %d %d\n%s\n%%%%EOF\n", i, rand.Int64(), pad)
		var b bytes.Buffer
		fmt.Fprintf(&b, "From: scanner@office.example\r\nTo: vault@example.org\r\nSubject: Scan %d\r\nDate: Mon, 02 Dec 2024 10:00:00 +0100\r\n"+
			"Message-ID: <bp-%d-%d@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"+
			"--B\r\nContent-Type: text/plain\r\n\r\nscanned\r\n--B\r\nContent-Type: application/pdf\r\n"+
			"Content-Disposition: attachment; filename=\"scan-%05d.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n--B--\r\n",
			i, i, time.Now().UnixNano(), i, base64.StdEncoding.EncodeToString([]byte(pdf)))
		if err := c.Append(folder, nil, time.Now(), &b); err != nil {
			return fmt.Errorf("append message %d: %w", i, err)
		}
	}
	fmt.Fprintf(os.Stderr, "benchingestseed: %d messages appended to %s in %.1fs\n", n, folder, time.Since(start).Seconds())
	return nil
}

func s3(ctx context.Context, bucket string, n int, remove bool) error {
	endpoint, err := env("MINIO_ENDPOINT")
	if err != nil {
		return err
	}
	user, err := env("MINIO_ROOT_USER")
	if err != nil {
		return err
	}
	pass, err := env("MINIO_ROOT_PASSWORD")
	if err != nil {
		return err
	}
	cl, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(user, pass, ""), Secure: os.Getenv("MINIO_SECURE") == "true"})
	if err != nil {
		return err
	}
	if remove {
		for o := range cl.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
			if o.Err != nil {
				return o.Err
			}
			if err := cl.RemoveObject(ctx, bucket, o.Key, minio.RemoveObjectOptions{}); err != nil {
				return err
			}
		}
		return cl.RemoveBucket(ctx, bucket)
	}
	if err := cl.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		return fmt.Errorf("make bucket %s: %w", bucket, err)
	}
	start := time.Now()
	work := make(chan int)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				size := 2<<10 + rand.IntN(18<<10)
				body := fmt.Appendf(nil, "object %d %d\n", i, rand.Int64())
				for len(body) < size {
					body = append(body, base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "%d-%d", i, len(body)))...)
					body = append(body, '\n')
				}
				key := fmt.Sprintf("inbox/batch%02d/obj%05d.txt", i%20, i)
				if _, err := cl.PutObject(ctx, bucket, key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{ContentType: "text/plain"}); err != nil {
					select {
					case errs <- fmt.Errorf("put %s: %w", key, err):
					default:
					}
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Fprintf(os.Stderr, "benchingestseed: %d objects put in bucket %s in %.1fs\n", n, bucket, time.Since(start).Seconds())
	return nil
}
