package worker_test

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gocraft/work"

	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/worker"
)

// countingExtractor counts the extractions it passes on.
type countingExtractor struct {
	*extract.Extractor
	calls atomic.Int32
}

func (c *countingExtractor) Extract(ctx context.Context, in extract.Input) (extract.Output, error) {
	c.calls.Add(1)
	return c.Extractor.Extract(ctx, in)
}

// A DOCX with more XML elements than the extractor's limit (issue 20, D2)
// is the document's own fault, like XML nested too deep: it fails at the
// first attempt, with the reason saying so, and leaves no job to retry.
func TestTooManyXMLElementsFailsAtOnce(t *testing.T) {
	f := newFixture(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"word/document.xml": `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
			`<w:p><w:r><w:t>bank invoice</w:t></w:r></w:p>` + strings.Repeat(`<w:p/>`, 5000) + `</w:body></w:document>`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	id := f.upload(t, "flat.docx", buf.String())
	x := &countingExtractor{Extractor: extract.New(extract.Options{Limits: extract.Limits{MaxXMLElements: 1000, MaxZipRatio: 1000}})}
	res, err := f.runner(x, worker.Options{MaxFails: 5}).Drain(ctx(t))
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if n := x.calls.Load(); n != 1 {
		t.Errorf("extracted %d times, want 1 (no retry)", n)
	}
	if !strings.Contains(res.Failed[id], "too many XML elements (more than 1000, reached in word/document.xml)") {
		t.Errorf("Failed = %q", res.Failed[id])
	}
	if s := f.state(t, id); s.Status != "failed" || s.Reason == nil || *s.Reason != res.Failed[id] {
		t.Errorf("state %+v", s)
	}
	st, err := jobs.Stats(work.NewClient(f.d.Namespace, f.pool))
	if err != nil {
		t.Fatal(err)
	}
	if st.Dead != 0 || st.Retrying != 0 || st.Queued != 0 {
		t.Errorf("a document's own fault leaves no job behind: %+v", st)
	}
}
