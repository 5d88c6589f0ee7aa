package extract

import "context"

// STUB: replaced by the real text, HTML, RTF, OOXML, ODF and image extractors.

func documentFuncs() map[string]Func {
	f := func(ctx context.Context, in Input, lim Limits) (Output, error) { return Output{}, ErrUnsupported }
	return map[string]Func{"text/plain": f}
}

func (e *Extractor) extractImage(ctx context.Context, in Input, lim Limits) (Output, error) {
	return Output{Text: in.Filename, Method: "filename"}, nil
}
