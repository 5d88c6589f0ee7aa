package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/migrations"
	"github.com/docuvault/docuvault/pkg/config"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/schema"
)

// Deployment is a scratch DocuVault as `migrate up && grant && bucket init`
// leaves it: its own database and bucket, a bucket-scoped app key, and its
// own Redis namespace.
type Deployment struct {
	DB        Database
	MinIO     MinIO
	AppKey    string
	AppSecret string
	RedisURL  string
	Namespace string
}

// Deploy sets up a Deployment, removed when the test ends.
func Deploy(t testing.TB) Deployment {
	t.Helper()
	return DeployOn(t, NewMinIO(t))
}

// DeployOn sets up a Deployment whose bucket is m's (on a MinIO the test
// started itself, say), removed when the test ends.
func DeployOn(t testing.TB, m MinIO) Deployment {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := Deployment{
		DB:        NewDatabase(t),
		MinIO:     m,
		AppKey:    RandomName("dvtest-app-"),
		AppSecret: RandomName("secret-"),
		RedisURL:  RedisURL(t),
		Namespace: RandomName("dvtest-"),
	}
	mig, err := database.Open(ctx, "DATABASE_MIGRATE_URL", d.DB.MigrateURL)
	if err != nil {
		t.Fatal(err)
	}
	defer mig.Close()
	if _, err := schema.NewMigrator(mig.DB, migrations.FS()).Up(ctx); err != nil {
		t.Fatal(err)
	}
	if err := schema.Grant(ctx, mig.DB, "docuvault_app"); err != nil {
		t.Fatal(err)
	}
	if _, err := objectstore.InitBucket(ctx, objectstore.InitOptions{Root: d.MinIO.Root(), AppAccessKey: d.AppKey, AppSecretKey: d.AppSecret}); err != nil {
		t.Fatal(err)
	}
	return d
}

// Config is the configuration the app would run with on this deployment.
func (d Deployment) Config() *config.Config {
	return &config.Config{
		DatabaseURL: d.DB.AppURL, DatabaseMigrateURL: d.DB.MigrateURL, AppRole: "docuvault_app",
		MinioEndpoint: d.MinIO.Endpoint, MinioBucket: d.MinIO.Bucket,
		MinioAccessKey: d.AppKey, MinioSecretKey: d.AppSecret,
		MinioRootUser: d.MinIO.RootUser, MinioRootPassword: d.MinIO.RootPassword,
		RedisURL: d.RedisURL, RedisNamespace: d.Namespace,
		PasswordHashCost: HashCost(),
	}
}

// HashCostSetting is the password hash cost (DOCUVAULT_PASSWORD_HASH_COST)
// of test deployments: OWASP's argon2id minimum, a fifth of the default's
// work. Logins are most of the suite's CPU otherwise: under the race
// detector a default-cost hash takes about 0.8 s of CPU, and on a loaded
// two-vCPU machine a login took 7 s.
const HashCostSetting = "m=19456,t=2,p=1"

// HashCost is HashCostSetting read.
func HashCost() passwords.HashCost {
	c, err := passwords.ParseHashCost(HashCostSetting)
	if err != nil {
		panic(err)
	}
	return c
}

// Env is the deployment as environment variables, for the binary.
func (d Deployment) Env() map[string]string {
	return map[string]string{
		"DATABASE_URL":                 d.DB.AppURL,
		"DATABASE_MIGRATE_URL":         d.DB.MigrateURL,
		"MINIO_ENDPOINT":               d.MinIO.Endpoint,
		"MINIO_BUCKET":                 d.MinIO.Bucket,
		"MINIO_ACCESS_KEY":             d.AppKey,
		"MINIO_SECRET_KEY":             d.AppSecret,
		"MINIO_ROOT_USER":              d.MinIO.RootUser,
		"MINIO_ROOT_PASSWORD":          d.MinIO.RootPassword,
		"REDIS_URL":                    d.RedisURL,
		"DOCUVAULT_REDIS_NAMESPACE":    d.Namespace,
		"SECRET_KEY":                   "0123456789abcdef0123456789abcdef-test",
		"DOCUVAULT_PASSWORD_HASH_COST": HashCostSetting,
	}
}

// AppDB connects as the app role, with the settings the app uses.
func (d Deployment) AppDB(t testing.TB) *sqlx.DB {
	t.Helper()
	db, err := database.Open(context.Background(), "DATABASE_URL", d.DB.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// AdminDB connects to the deployment's database as the superuser, to look
// behind the app's back.
func (d Deployment) AdminDB(t testing.TB) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", d.DB.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// AppStore is the object store with the app key.
func (d Deployment) AppStore(t testing.TB) *objectstore.MinioStore {
	t.Helper()
	s, err := objectstore.New(objectstore.Options{Endpoint: d.MinIO.Endpoint, Bucket: d.MinIO.Bucket, AccessKey: d.AppKey, SecretKey: d.AppSecret})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
