// Command benchworkerfloor is the floor under the worker benchmark
// (scripts/bench-worker.sh): the least a worker that reads PDFs with
// pdftotext does per document. For each document of one user it makes one
// MinIO GET, pipes the object into `pdftotext - -`, and stores the text
// with one prepared UPDATE — no job queue, no claim, no status, no
// language detection, no classification. Its rate beside pdftotext alone
// is the ceiling of any worker built that way on the same machine.
//
//	benchworkerfloor -user HANDLE [-concurrency 2]
//
// It reads DATABASE_URL and MINIO_ENDPOINT, MINIO_SECURE, MINIO_ACCESS_KEY,
// MINIO_SECRET_KEY, MINIO_BUCKET from the environment (.dev/env).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sync"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	"github.com/minio/minio-go/v7"

	"github.com/docuvault/docuvault/pkg/objectstore"
)

func main() {
	user := flag.String("user", "", "handle of the user whose documents are read")
	conc := flag.Int("concurrency", 2, "documents at a time")
	flag.Parse()
	if *user == "" {
		fmt.Fprintln(os.Stderr, "benchworkerfloor: -user is required")
		os.Exit(64)
	}
	n, err := run(context.Background(), *user, *conc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchworkerfloor:", err)
		os.Exit(1)
	}
	fmt.Printf("%d documents\n", n)
}

func run(ctx context.Context, user string, conc int) (int, error) {
	db, err := sqlx.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxIdleConns(conc)
	client, err := objectstore.NewClient(objectstore.Options{
		Endpoint: os.Getenv("MINIO_ENDPOINT"), Secure: os.Getenv("MINIO_SECURE") == "true",
		AccessKey: os.Getenv("MINIO_ACCESS_KEY"), SecretKey: os.Getenv("MINIO_SECRET_KEY"),
	})
	if err != nil {
		return 0, err
	}
	bucket := os.Getenv("MINIO_BUCKET")
	type doc struct {
		ID  string `db:"id"`
		Key string `db:"object_key"`
	}
	var docs []doc
	if err := db.SelectContext(ctx, &docs, `SELECT d.id, d.object_key FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = $1`, user); err != nil {
		return 0, err
	}
	save, err := db.PreparexContext(ctx, `UPDATE documents SET extracted_text = $1 WHERE id = $2`)
	if err != nil {
		return 0, err
	}
	defer save.Close()
	work := make(chan doc)
	errs := make(chan error, conc)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				obj, err := client.GetObject(ctx, bucket, d.Key, minio.GetObjectOptions{})
				if err != nil {
					errs <- err
					return
				}
				cmd := exec.CommandContext(ctx, "pdftotext", "-q", "-enc", "UTF-8", "-", "-")
				cmd.Stdin = obj
				text, err := cmd.Output()
				obj.Close()
				if err != nil {
					errs <- fmt.Errorf("pdftotext %s: %w", d.ID, err)
					return
				}
				if _, err := save.ExecContext(ctx, string(text), d.ID); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for _, d := range docs {
		select {
		case work <- d:
		case err := <-errs:
			close(work)
			wg.Wait()
			return 0, err
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return len(docs), nil
}
