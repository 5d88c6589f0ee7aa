package extract

import (
	"context"
	"errors"
	"strings"
)

// extractPDFAuto is the PDF extractor of PDFAuto: the pure-Go reader first,
// and poppler's pdftotext (when it is on PATH) where the Go reader's text
// looks bad (pdfTextProblem: glyphs it could not map to Unicode, mojibake,
// right-to-left scripts, accents apart from their letters, words run
// together) or where the Go reader fails: on a damaged file, whose
// cross-reference poppler may rebuild better, and on an encrypted one,
// which the Go reader never decrypts but pdftotext opens when the user
// password is empty (owner-password "protection" against copying or
// printing is common). A file the Go reader finds too big (ErrTooBig, a
// zip bomb) or a context error ends the extraction: handing a bomb to the
// other reader would defeat the limit.
//
// Output.Method says which reader's text is returned; when it is
// pdftotext's, Output.Note says why. Without pdftotext, the Go reader's
// text (or error) is returned, with a note when the text looked bad. When
// both readers fail, pdftotext's error is returned (it tells a wrong
// password from damage); when only pdftotext fails, the Go text is kept.
func (e *Extractor) extractPDFAuto(ctx context.Context, in Input, lim Limits) (Output, error) {
	out, st, err := extractPDFGoStats(ctx, in, lim)
	var why string
	switch {
	case err == nil:
		problem := pdfTextProblem(out.Text, st)
		if problem == "" {
			return out, nil
		}
		why = "the Go reader's text " + problem
	case ctx.Err() != nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrTooBig):
		return Output{}, err
	case errors.Is(err, ErrEncrypted):
		why = "the PDF is encrypted, which the Go reader does not decrypt"
	default:
		why = "the Go reader failed (" + pdfShortReason(err) + ")"
	}
	path, lookErr := e.opts.LookPath("pdftotext")
	if lookErr != nil {
		if err != nil {
			return Output{}, err
		}
		out.Note = pdfJoinNotes(out.Note, "the text may be poor: "+why+"; pdftotext, which reads such PDFs better, is not installed")
		return out, nil
	}
	ref, refErr := extractPDFPdftotext(ctx, path, in, lim)
	if refErr != nil {
		if err != nil {
			return Output{}, refErr
		}
		out.Note = pdfJoinNotes(out.Note, "the text may be poor: "+why+"; pdftotext failed too ("+pdfShortReason(refErr)+")")
		return out, nil
	}
	ref.Note = pdfJoinNotes(ref.Note, "pdftotext: "+why)
	return ref, nil
}

// pdfShortReason is an error's text cut to a length fit for a note.
func pdfShortReason(err error) string {
	s := err.Error()
	if len(s) > 160 {
		cut := 160
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func pdfJoinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return strings.Join([]string{a, b}, "; ")
}
