package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/objectstore"
)

func newBucketCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "bucket",
		Short: "Manage the object store bucket",
		Args:  usageArgs(cobra.NoArgs),
	}
	var noAdmin bool
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Create the bucket and the bucket-scoped app key (as MINIO_ROOT_USER)",
		Long: `Create MINIO_BUCKET if it is missing and, with MinIO's admin API, the app
key MINIO_ACCESS_KEY/MINIO_SECRET_KEY with a policy that allows object read,
write, delete and list in that bucket only. Uses MINIO_ROOT_USER and
MINIO_ROOT_PASSWORD. Safe to run again. --no-admin creates only the bucket,
for S3 servers without MinIO's admin API.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.cfg.Require("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"); err != nil {
				return err
			}
			if !noAdmin {
				if err := a.cfg.Require("MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"); err != nil {
					return err
				}
			}
			res, err := objectstore.InitBucket(cmd.Context(), objectstore.InitOptions{
				Root: objectstore.Options{
					Endpoint: a.cfg.MinioEndpoint, Secure: a.cfg.MinioSecure, Region: a.cfg.MinioRegion,
					Bucket: a.cfg.MinioBucket, AccessKey: a.cfg.MinioRootUser, SecretKey: a.cfg.MinioRootPassword,
				},
				AppAccessKey: a.cfg.MinioAccessKey,
				AppSecretKey: a.cfg.MinioSecretKey,
				NoAdmin:      noAdmin,
			})
			if err != nil {
				return fmt.Errorf("bucket init: minio at %s: %w", a.cfg.MinioEndpoint, err)
			}
			state := "exists"
			if res.BucketCreated {
				state = "created"
			}
			fmt.Fprintf(a.stdout, "bucket %s: %s\n", a.cfg.MinioBucket, state)
			if res.Policy != "" {
				fmt.Fprintf(a.stdout, "app key %s: policy %s attached\n", a.cfg.MinioAccessKey, res.Policy)
			}
			return nil
		},
	}
	initCmd.Flags().BoolVar(&noAdmin, "no-admin", false, "create only the bucket (S3 servers without MinIO's admin API)")
	c.AddCommand(initCmd)
	return c
}
