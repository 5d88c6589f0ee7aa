package cmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/users"
)

// docGetOptions are doc get's flags.
type docGetOptions struct {
	User       string
	Searchable bool
	Output     string
}

// AddFlags registers the options' flags.
func (o *docGetOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.User, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	fs.BoolVar(&o.Searchable, "searchable", false, "the searchable copy (OCR'd pages with a text layer) instead of the original")
	fs.StringVarP(&o.Output, "output", "o", "", `write to FILE ("-": standard output); default: the document's name in the current directory, never overwritten`)
}

func newDocGetCommand(a *app) *cobra.Command {
	var o docGetOptions
	c := &cobra.Command{
		Use:   "get DOC_ID [--searchable] [-o FILE] [--user H]",
		Short: "Download a document's original, or its searchable copy",
		Long: `Download a document: its original bytes, or with --searchable its searchable
copy (made by the worker when OCR read some of its pages). The bytes are
checked against their SHA-256 as they are written. Without -o the file is
the document's name in the current directory ("<name> (searchable).pdf" for
the copy), and an existing file is never overwritten.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDocGet(cmd.Context(), o, args[0])
		},
	}
	o.AddFlags(c.Flags())
	return c
}

func (a *app) runDocGet(ctx context.Context, o docGetOptions, typed string) error {
	return a.withOwner(ctx, o.User, func(db *sqlx.DB, u users.User) error {
		id, err := docID(ctx, db, u, typed, "doc get")
		if err != nil {
			return err
		}
		svc, closeStorage, err := a.openStorage(ctx, db)
		if err != nil {
			return err
		}
		defer closeStorage()
		var (
			rc   io.ReadCloser
			name string
			size int64
			sum  []byte
		)
		if o.Searchable {
			var obj storage.DerivedObject
			rc, obj, err = svc.OpenDerived(ctx, u.ID, id, storage.KindSearchablePDF)
			if errors.Is(err, storage.ErrNoDerived) {
				return fmt.Errorf("doc get: document %s has no searchable copy (one is made when OCR reads some of its pages)", id)
			}
			if err == nil {
				d, gerr := svc.Get(ctx, u.ID, id)
				if gerr != nil {
					rc.Close()
					return gerr
				}
				name, size, sum = strings.TrimSuffix(d.Filename, filepath.Ext(d.Filename))+" (searchable).pdf", obj.SizeBytes, obj.SHA256
			}
		} else {
			var d storage.Document
			rc, d, err = svc.Open(ctx, u.ID, id)
			if err == nil {
				name, size, sum = d.Filename, d.SizeBytes, d.SHA256
			}
		}
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("doc get: %s has no document %s (see `docuvault doc list`)", u.Handle, id)
		}
		if err != nil {
			return err
		}
		defer rc.Close()
		if err := a.writeDownload(o.Output, name, rc, size, sum); err != nil {
			return err
		}
		meta := map[string]any{"filename": name, "bytes": size}
		if o.Searchable {
			meta["variant"] = "searchable"
		}
		a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.Download, ResourceID: id, Metadata: meta})
		return nil
	})
}

// writeDownload writes size bytes of r, whose SHA-256 is sum, to output:
// "-" is standard output, "" a new file named name in the current
// directory. A file that did not get every byte right is removed.
func (a *app) writeDownload(output, name string, r io.Reader, size int64, sum []byte) error {
	var (
		w    io.Writer
		f    *os.File
		err  error
		path string
	)
	switch output {
	case "-":
		w = a.stdout
	case "":
		path = filepath.Base(name)
		if path == "." || path == "/" || path == "" {
			path = "document"
		}
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("doc get: %s exists; name another file with -o", path)
		}
	default:
		path = output
		f, err = os.Create(path)
	}
	if err != nil {
		return fmt.Errorf("doc get: %w", err)
	}
	if f != nil {
		w = f
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), r)
	if err == nil && n != size {
		err = fmt.Errorf("got %d bytes, the document has %d", n, size)
	}
	if err == nil && len(sum) > 0 && !bytes.Equal(h.Sum(nil), sum) {
		err = errors.New("the bytes do not match the document's SHA-256 (run `docuvault fsck`)")
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(path)
		}
	}
	if err != nil {
		return fmt.Errorf("doc get: %w", err)
	}
	if f != nil {
		fmt.Fprintf(a.stderr, "%s: %d bytes\n", path, n)
	}
	return nil
}

// derivedSummary says which derived objects a document has, for doc show.
func derivedSummary(d catalog.Document) string {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	return fmt.Sprintf("thumbnail %s, searchable copy %s", yes(d.HasThumbnail), yes(d.HasSearchable))
}
