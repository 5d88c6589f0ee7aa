//go:build !unix

package extract

import "os"

// pdfMapFile reads the file at path (no mmap on this system).
func pdfMapFile(path string) (data []byte, release func(), err error) {
	data, err = os.ReadFile(path)
	return data, func() {}, err
}
