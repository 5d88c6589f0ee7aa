package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/ocr"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/transfer"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/worker"
)

// openDB connects as the app role (DATABASE_URL).
func (a *app) openDB(ctx context.Context) (*sqlx.DB, error) {
	if err := a.cfg.Require("DATABASE_URL"); err != nil {
		return nil, err
	}
	return database.Open(ctx, "DATABASE_URL", a.cfg.DatabaseURL)
}

// withDB runs fn with a connection as the app role, closed afterwards.
func (a *app) withDB(ctx context.Context, fn func(*sqlx.DB) error) error {
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// withOwner is withDB with the owner named by flag resolved.
func (a *app) withOwner(ctx context.Context, flag string, fn func(*sqlx.DB, users.User) error) error {
	return a.withDB(ctx, func(db *sqlx.DB) error {
		u, err := a.owner(ctx, db, flag)
		if err != nil {
			return err
		}
		return fn(db, u)
	})
}

// openObjects connects to the bucket with the app key.
func (a *app) openObjects() (*objectstore.MinioStore, error) {
	if err := a.cfg.Require("MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"); err != nil {
		return nil, err
	}
	return objectstore.New(a.objectOptions())
}

// withTransfer runs fn (an export or import) with the app role and the
// bucket; a user it does not know is a usage error.
func (a *app) withTransfer(ctx context.Context, fn func(*sqlx.DB, objectstore.Store) error) error {
	return a.withDB(ctx, func(db *sqlx.DB) error {
		store, err := a.openObjects()
		if err != nil {
			return err
		}
		err = fn(db, store)
		if errors.Is(err, transfer.ErrUnknownUser) {
			return exitcode.With(exitcode.Usage, err)
		}
		return err
	})
}

// openStorage builds the storage service with the app role, the app key
// and the job enqueuer. close releases them.
func (a *app) openStorage(ctx context.Context, db *sqlx.DB) (svc *storage.Service, closeFn func(), err error) {
	store, err := a.openObjects()
	if err != nil {
		return nil, nil, err
	}
	pool, err := redisconn.NewPool(a.cfg.RedisURL, 16)
	if err != nil {
		return nil, nil, err
	}
	svc = storage.New(db, store, jobs.NewEnqueuer(a.cfg.RedisNamespace, pool),
		storage.Limits{MaxSize: a.cfg.MaxUploadSize, AllowedTypes: a.cfg.AllowedTypes})
	return svc, func() { _ = svc.Close(); pool.Close() }, nil
}

// objectOptions is the object store with the bucket-scoped app key.
func (a *app) objectOptions() objectstore.Options {
	return objectstore.Options{
		Endpoint: a.cfg.MinioEndpoint, Secure: a.cfg.MinioSecure, Region: a.cfg.MinioRegion,
		Bucket: a.cfg.MinioBucket, AccessKey: a.cfg.MinioAccessKey, SecretKey: a.cfg.MinioSecretKey,
	}
}

// owner resolves --user (or DOCUVAULT_USER, or the only user).
func (a *app) owner(ctx context.Context, db *sqlx.DB, flag string) (users.User, error) {
	h := flag
	if h == "" {
		h = a.cfg.User
	}
	u, err := users.Resolve(ctx, db, h)
	if errors.Is(err, users.ErrAmbiguous) {
		return u, exitcode.With(exitcode.Usage, err) // the command line must say whose
	}
	return u, err
}

// classifiers picks each owner's classifier as configured.
func (a *app) classifiers(db *sqlx.DB) *worker.Classifiers {
	return &worker.Classifiers{
		DB:        db,
		Log:       a.log,
		Default:   a.cfg.AIProvider,
		Threshold: a.cfg.ClassifyThreshold,
		OpenAI: worker.OpenAIConfig{
			BaseURL: a.cfg.OpenAIBaseURL, APIKey: a.cfg.OpenAIAPIKey, Model: a.cfg.OpenAIModel,
			Timeout: a.cfg.AITimeout, MaxInputTokens: a.cfg.AIMaxInputTokens,
		},
	}
}

// extractor reads documents' text as configured; its OCR reads at most
// parallel pages at once; searchable: it also makes the searchable copy
// of a PDF OCR read (the worker stores it).
func (a *app) extractor(parallel int, ocrMode string, searchable bool) *extract.Extractor {
	if ocrMode == "" {
		ocrMode = a.cfg.OCR
	}
	return extract.New(extract.Options{
		PDF:     a.cfg.PDFExtractor,
		Limits:  extract.Limits{Timeout: a.cfg.ExtractTimeout},
		OCRMode: ocrMode,
		OCR:     ocr.New(ocr.Options{Languages: a.cfg.OCRLanguages, Parallel: parallel}),

		SearchableCopy: searchable,
	})
}

// record writes an audit event of a CLI command, acted by the OS user
// running it (audit.CLIActor). The change it describes has happened: a
// failure to record it is a warning on stderr, not the command's error.
func (a *app) record(ctx context.Context, db *sqlx.DB, e audit.Event) {
	e.ActorID, e.ActorLabel = "", audit.CLIActor()
	if err := audit.Record(ctx, db, e); err != nil {
		fmt.Fprintf(a.stderr, "warning: the audit log did not record this (%v)\n", err)
	}
}
