package extract

// documentFuncs returns the extractors of the document formats (all but
// PDF and images, which need the Extractor's options).
func documentFuncs() map[string]Func {
	return map[string]Func{
		"text/plain":    extractText,
		"text/markdown": extractText,
		"text/csv":      extractText,
		"text/html":     extractHTML,
		"text/rtf":      extractRTF,
		ctDOCX:          extractDOCX,
		ctXLSX:          extractXLSX,
		ctPPTX:          extractPPTX,
		ctODT:           extractODF,
		ctODS:           extractODF,
		ctODP:           extractODF,
		ctEML:           extractEML,
	}
}
