//go:build classifybg

package classify

// TestMakeTechBackground writes background/manpages.tsv.gz, the technical
// background (techBackground): for each stem, the share of a package's
// manual pages that have it, averaged over the packages. It is run by
// scripts/make-classify-techbg.sh, which unpacks the manual pages of a fixed
// list of Debian packages into DOCUVAULT_TECHBG_DIR (one directory a
// package, the pages below it, gzipped or not) and names the output file in
// DOCUVAULT_TECHBG_OUT.
//
//	DOCUVAULT_TECHBG_DIR=… DOCUVAULT_TECHBG_OUT=… go test -tags classifybg ./pkg/classify/ -run MakeTechBackground

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// techPageMin is the fewest distinct words a page has to count: a page
// that only points to another (".so") or names a command says nothing.
const techPageMin = 20

// techPackagesMin is in how many packages' pages a stem occurs, at least,
// to be in the table: a stem of one package's pages is that package's own.
const techPackagesMin = 3

var (
	roffEscape = regexp.MustCompile(`\\(f(\[[^\]]*\]|\(..|.)|s[+-]?[0-9]+|\*(\(..|\[[^\]]*\]|.)|\(..|\[[^\]]*\]|[-e&|^~0 ])`)
	roffText   = map[string]bool{"SH": true, "SS": true, "B": true, "I": true, "BR": true, "RB": true, "IR": true,
		"RI": true, "BI": true, "IB": true, "SM": true, "SB": true, "TP": true, "IP": true, "TQ": true, "UR": true, "MT": true, "Nm": true,
		"Nd": true, "Ar": true, "Fl": true, "Cm": true, "Op": true, "It": true, "Pa": true, "Xr": true, "Em": true, "Sy": true,
		"Dl": true, "Li": true, "Sh": true, "Ss": true, "Dq": true, "Qq": true, "Sq": true, "Ql": true}
)

// roffWords is a manual page's text without roff's requests and escapes:
// the arguments of the macros that hold text are kept, the others dropped.
func roffWords(src string) string {
	var b strings.Builder
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(line, ".") || strings.HasPrefix(line, "'") {
			name, args, _ := strings.Cut(strings.TrimSpace(line[1:]), " ")
			if !roffText[name] {
				continue
			}
			line = args
		}
		b.WriteString(roffEscape.ReplaceAllString(line, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

func readPage(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
	}
	return string(raw), nil
}

func TestMakeTechBackground(t *testing.T) {
	dir, out := os.Getenv("DOCUVAULT_TECHBG_DIR"), os.Getenv("DOCUVAULT_TECHBG_OUT")
	if dir == "" || out == "" {
		t.Skip("DOCUVAULT_TECHBG_DIR and DOCUVAULT_TECHBG_OUT are not set")
	}
	pkgs, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	share := map[string]float64{} // stem → sum over packages of the share of its pages
	seen := map[string]int{}      // stem → how many packages' pages have it
	var used, pages int
	var names []string
	for _, p := range pkgs {
		if !p.IsDir() {
			continue
		}
		var files []string
		err := filepath.WalkDir(filepath.Join(dir, p.Name()), func(path string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(files)
		has := map[string]int{}
		n := 0
		for _, f := range files {
			src, err := readPage(f)
			if err != nil {
				t.Fatal(err)
			}
			c := countTerms(roffWords(src), nil)
			if len(c) < techPageMin {
				continue
			}
			n++
			for s := range c {
				has[s]++
			}
		}
		if n == 0 {
			continue
		}
		used++
		pages += n
		names = append(names, fmt.Sprintf("%s (%d)", p.Name(), n))
		for s, k := range has {
			share[s] += float64(k) / float64(n)
			seen[s]++
		}
	}
	if used < 20 {
		t.Fatalf("only %d packages have manual pages of %d or more words: is %s unpacked?", used, techPageMin, dir)
	}
	stems := make([]string, 0, len(share))
	for s := range share {
		if seen[s] >= techPackagesMin {
			stems = append(stems, s)
		}
	}
	sort.Slice(stems, func(i, j int) bool {
		if share[stems[i]] != share[stems[j]] {
			return share[stems[i]] > share[stems[j]]
		}
		return stems[i] < stems[j]
	})
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	fmt.Fprintf(zw, "# packages\t%d\n", used)
	fmt.Fprintf(zw, "# Made by scripts/make-classify-techbg.sh from the English manual pages of %d Debian 12 packages (%d pages of %d or more distinct words): "+
		"for each stem in the pages of %d or more of them, the share of a package's pages that have it, averaged over the packages. Word counts only: no text of the pages.\n",
		used, pages, techPageMin, techPackagesMin)
	fmt.Fprintf(zw, "# Packages (pages): %s\n", strings.Join(names, ", "))
	for _, s := range stems {
		fmt.Fprintf(zw, "%s\t%.5f\n", s, share[s]/float64(used))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d stems from %d packages, %d pages, %d bytes", out, len(stems), used, pages, b.Len())
}
