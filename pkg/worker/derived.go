package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/thumbnail"
)

// derivedState is what the pipeline keeps to store derived objects.
type derivedState struct {
	once    sync.Once
	storage *storage.Service
}

// storageService is p.Storage, or one on p.DB and p.Objects.
func (p *Pipeline) storageService() *storage.Service {
	p.derived.once.Do(func() {
		p.derived.storage = p.Storage
		if p.derived.storage == nil {
			p.derived.storage = storage.New(p.DB, p.Objects, nil, storage.Limits{})
		}
	})
	return p.derived.storage
}

// storeDerived stores the objects made from a document just extracted
// from the spooled file spool: its thumbnail and, when the extractor made
// one (out.SearchablePDF, removed here in every case), its searchable
// copy. It returns out.Note with a note appended for each that could not
// be made or stored (over quota, a tool missing or failing): never an
// error, since the document itself is fine. A type without thumbnails
// gets no note.
func (p *Pipeline) storeDerived(ctx context.Context, d docRow, spool string, out extract.Output) string {
	var notes []string
	if out.Note != "" {
		notes = append(notes, out.Note)
	}
	if out.SearchablePDF != "" {
		defer os.Remove(out.SearchablePDF)
	}
	if !p.NoThumbnails && thumbnail.Supports(d.ContentType) {
		if err := p.storeThumbnail(ctx, d, spool); err != nil {
			notes = append(notes, "thumbnail not stored: "+derivedReason(err))
		}
	}
	if out.SearchablePDF != "" {
		_, err := p.storageService().StoreDerived(ctx, storage.DerivedInput{OwnerID: d.UserID, DocumentID: d.ID,
			Kind: storage.KindSearchablePDF, ContentType: "application/pdf", Ext: ".pdf", Path: out.SearchablePDF})
		if err != nil {
			notes = append(notes, "searchable copy not stored: "+derivedReason(err))
		}
	}
	return strings.Join(notes, "; ")
}

// storeThumbnail makes the thumbnail of spool and stores it.
func (p *Pipeline) storeThumbnail(ctx context.Context, d docRow, spool string) error {
	m := p.Thumbnails
	if m == nil {
		m = &thumbnail.Maker{TempDir: p.SpoolDir}
	}
	im, err := m.Make(ctx, spool, d.ContentType)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(p.SpoolDir, "docuvault-thumb-*"+im.Ext)
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(im.Data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write the thumbnail: %w", err)
	}
	_, err = p.storageService().StoreDerived(ctx, storage.DerivedInput{OwnerID: d.UserID, DocumentID: d.ID,
		Kind: storage.KindThumbnail, ContentType: im.ContentType, Ext: im.Ext, Path: f.Name()})
	return err
}

// derivedReason is the short reason of a derived object's failure, for
// the extraction note.
func derivedReason(err error) string {
	var qe *storage.QuotaError
	if errors.As(err, &qe) {
		return qe.Error()
	}
	return Reason(err)
}
