package objectstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/minio/minio-go/v7"
)

// InitOptions is what `docuvault bucket init` does.
type InitOptions struct {
	// Root is the endpoint with the root (admin) credentials.
	Root Options
	// AppAccessKey and AppSecretKey are the bucket-scoped key to create.
	AppAccessKey string
	AppSecretKey string
	// NoAdmin creates only the bucket, for S3 servers without MinIO's admin API.
	NoAdmin bool
}

// InitResult says what InitBucket changed.
type InitResult struct {
	BucketCreated bool
	Policy        string // the policy attached to the app key, "" with NoAdmin
}

// PolicyName is the name of the canned policy for bucket's app key.
func PolicyName(bucket string) string { return "docuvault-" + bucket + "-rw" }

// AppPolicy is the policy of the app key: list the bucket, and read, write
// and delete objects in it; nothing else, and nothing in any other bucket.
func AppPolicy(bucket string) []byte {
	type stmt struct {
		Effect   string
		Action   []string
		Resource []string
	}
	p := struct {
		Version   string
		Statement []stmt
	}{
		Version: "2012-10-17",
		Statement: []stmt{
			{Effect: "Allow", Action: []string{"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"}, Resource: []string{"arn:aws:s3:::" + bucket}},
			{Effect: "Allow", Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}, Resource: []string{"arn:aws:s3:::" + bucket + "/*"}},
		},
	}
	b, _ := json.Marshal(p)
	return b
}

// InitBucket creates the bucket if it is missing and, unless NoAdmin, the
// app key with a policy limited to that bucket. Running it again changes
// nothing (it resets the app key's secret to AppSecretKey).
func InitBucket(ctx context.Context, o InitOptions) (InitResult, error) {
	var res InitResult
	if o.Root.AccessKey == "" || o.Root.SecretKey == "" {
		return res, errors.New("MINIO_ROOT_USER and MINIO_ROOT_PASSWORD must be set for bucket init")
	}
	client, err := NewClient(o.Root)
	if err != nil {
		return res, err
	}
	exists, err := client.BucketExists(ctx, o.Root.Bucket)
	if err != nil {
		return res, fmt.Errorf("check bucket %s with MINIO_ROOT_USER: %w", o.Root.Bucket, convert(err))
	}
	if !exists {
		err := client.MakeBucket(ctx, o.Root.Bucket, minio.MakeBucketOptions{Region: o.Root.Region})
		if err != nil {
			code := minio.ToErrorResponse(err).Code
			if code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
				return res, fmt.Errorf("create bucket %s: %w", o.Root.Bucket, convert(err))
			}
		} else {
			res.BucketCreated = true
		}
	}
	if o.NoAdmin {
		return res, nil
	}
	if o.AppAccessKey == "" || o.AppSecretKey == "" {
		return res, errors.New("MINIO_ACCESS_KEY and MINIO_SECRET_KEY must be set: they are the app key bucket init creates (or pass --no-admin)")
	}
	if o.AppAccessKey == o.Root.AccessKey {
		return res, errors.New("MINIO_ACCESS_KEY must differ from MINIO_ROOT_USER: the app never uses the root key")
	}
	if len(o.AppSecretKey) < 8 {
		return res, errors.New("MINIO_SECRET_KEY must be at least 8 characters (MinIO refuses shorter ones)")
	}
	admin, err := NewAdmin(o.Root)
	if err != nil {
		return res, err
	}
	policy := PolicyName(o.Root.Bucket)
	if err := admin.AddCannedPolicy(ctx, policy, AppPolicy(o.Root.Bucket)); err != nil {
		return res, fmt.Errorf("create policy %s: %w", policy, err)
	}
	if err := admin.AddUser(ctx, o.AppAccessKey, o.AppSecretKey); err != nil {
		return res, fmt.Errorf("create app key %s: %w", o.AppAccessKey, err)
	}
	if err := admin.AttachPolicy(ctx, policy, o.AppAccessKey); err != nil {
		return res, fmt.Errorf("attach policy %s to %s: %w", policy, o.AppAccessKey, err)
	}
	res.Policy = policy
	return res, nil
}
