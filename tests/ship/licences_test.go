package ship

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/docuvault/docuvault/tests/testenv"
)

// -update-third-party rewrites LICENSE-THIRD-PARTY.md's Go modules section
// from the build instead of comparing it:
//
//	go test -count=1 -run '^TestThirdPartyLicences$' ./tests/ship/ -args -update-third-party
var updateThirdParty = flag.Bool("update-third-party", false, "rewrite LICENSE-THIRD-PARTY.md's Go modules section")

const (
	mainModule       = "github.com/docuvault/docuvault"
	thirdPartyFile   = "LICENSE-THIRD-PARTY.md"
	thirdPartyBegin  = "<!-- BEGIN go-modules: written by TestThirdPartyLicences -update-third-party (tests/ship/licences_test.go); do not edit by hand -->"
	thirdPartyEnd    = "<!-- END go-modules -->"
	apacheTermsTitle = "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"
)

// licenceRules name a licence by phrases only its text has, on text whose
// runs of white space are folded into one space. Order matters only for
// reading: every rule that matches is reported.
var licenceRules = []struct {
	id  string
	re  *regexp.Regexp
	not *regexp.Regexp // the rule does not apply when this matches too
}{
	// Copyleft that would bind the binary (linked code), or not open source.
	{id: "AGPL", re: regexp.MustCompile(`GNU AFFERO GENERAL PUBLIC LICENSE|terms of the GNU Affero General Public License`)},
	{id: "LGPL", re: regexp.MustCompile(`GNU (LESSER|LIBRARY) GENERAL PUBLIC LICENSE|terms of the GNU (Lesser|Library) General Public License`)},
	// The MPL 2.0 names the GPL as a "Secondary License" in lower case;
	// a GPL'd file has the title in capitals or the usual header.
	{id: "GPL", re: regexp.MustCompile(`GNU GENERAL PUBLIC LICENSE|terms of the GNU General Public License as published`)},
	{id: "SSPL", re: regexp.MustCompile(`Server Side Public License`)},
	{id: "BUSL", re: regexp.MustCompile(`Business Source License`)},
	{id: "CC-BY-NC", re: regexp.MustCompile(`(?i)NonCommercial`)},
	// Permissive, and the MPL (file-level copyleft, compatible with
	// distributing the binary under Apache-2.0).
	{id: "Apache-2.0", re: regexp.MustCompile(`Apache License,? Version 2\.0`)},
	{id: "MIT", re: regexp.MustCompile(`Permission is hereby granted, free of charge, to any person obtaining a copy`)},
	{id: "BSD-3-Clause", re: regexp.MustCompile(`Redistribution and use in source and binary forms, with or without modification, are permitted provided that .*(Neither the name|names of its contributors may be used)`)},
	{id: "BSD-2-Clause", re: regexp.MustCompile(`Redistribution and use in source and binary forms, with or without modification, are permitted provided that`), not: regexp.MustCompile(`Neither the name|names of its contributors may be used`)},
	{id: "ISC", re: regexp.MustCompile(`Permission to use, copy, modify, and(/or)? distribute this software for any purpose with or without fee is hereby granted`)},
	{id: "MPL-2.0", re: regexp.MustCompile(`Mozilla Public License,? [Vv]ersion 2\.0`)},
	{id: "Zlib", re: regexp.MustCompile(`This software is provided 'as-is', without any express or implied warranty`)},
	{id: "Unlicense", re: regexp.MustCompile(`This is free and unencumbered software released into the public domain`)},
	{id: "CC0-1.0", re: regexp.MustCompile(`CC0 1\.0 Universal`)},
}

// allowedLicences may be linked into an Apache-2.0 binary.
var allowedLicences = map[string]bool{
	"Apache-2.0": true, "MIT": true, "BSD-2-Clause": true, "BSD-3-Clause": true, "ISC": true,
	"MPL-2.0": true, "Zlib": true, "Unlicense": true, "CC0-1.0": true,
}

// licenceFileName is a licence file's name: LICENSE, LICENCE, COPYING,
// UNLICENSE, with any suffix (LICENSE.txt, LICENSE.Golang, LICENSE-MIT).
var licenceFileName = regexp.MustCompile(`(?i)^(licen[cs]e|copying|unlicense)([.\-_].*)?$`)

// noticeFileName is an Apache-2.0 NOTICE file's name.
var noticeFileName = regexp.MustCompile(`(?i)^notice(\.(txt|md))?$`)

var foldSpace = regexp.MustCompile(`\s+`)

// classifyLicence names the licences a licence file's text carries.
func classifyLicence(text string) []string {
	folded := foldSpace.ReplaceAllString(text, " ")
	var ids []string
	for _, r := range licenceRules {
		if r.re.MatchString(folded) && (r.not == nil || !r.not.MatchString(folded)) {
			ids = append(ids, r.id)
		}
	}
	return ids
}

// linkedModule is a module some package of the binary comes from.
type linkedModule struct {
	Path, Version, Dir string
	pkgDirs            map[string]bool // its linked packages' directories
	targets            map[string]bool // release targets that link it
}

// licenceFile is one licence or NOTICE file of a module.
type licenceFile struct {
	rel, text string
	ids       []string
}

// moduleLicence is what a module's licence files say.
type moduleLicence struct {
	mod      *linkedModule
	files    []licenceFile // in the module's root and its linked packages' directories
	notices  []licenceFile // NOTICE files in the module's root (Apache-2.0 §4(d))
	licences []string      // every licence named, sorted
}

func (m moduleLicence) String() string { return strings.Join(m.licences, ", ") }

// linkedModules lists the modules linked into the docuvault binary (the
// main package, CGO_ENABLED=0 as released) for every release target, from
// the module cache: `go list -deps` needs no network once the modules are
// downloaded.
func linkedModules(t *testing.T, root string) map[string]*linkedModule {
	t.Helper()
	type out struct {
		target string
		r      result
	}
	results := make([]out, len(releaseMatrix))
	var wg sync.WaitGroup
	for i, target := range releaseMatrix {
		wg.Add(1)
		go func() {
			defer wg.Done()
			goos, goarch, _ := strings.Cut(target, "/")
			env := append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=-mod=readonly")
			results[i] = out{target, run(t, root, env, 5*time.Minute, "", "go", "list", "-deps",
				"-f", `{{if not .Standard}}{{.Dir}}{{with .Module}}	{{.Path}}	{{.Version}}	{{.Dir}}{{end}}{{end}}`, ".")}
		}()
	}
	wg.Wait()
	mods := map[string]*linkedModule{}
	for _, o := range results {
		if o.r.code != 0 {
			t.Fatalf("go list -deps for %s: %s", o.target, o.r)
		}
		for _, line := range strings.Split(strings.TrimSpace(o.r.stdout), "\n") {
			if line == "" {
				continue
			}
			f := strings.Split(line, "\t")
			if len(f) != 4 {
				t.Fatalf("go list -deps for %s: a package outside any module: %q", o.target, line)
			}
			pkgDir, path, version, dir := f[0], f[1], f[2], f[3]
			m := mods[path]
			if m == nil {
				m = &linkedModule{Path: path, Version: version, Dir: dir, pkgDirs: map[string]bool{}, targets: map[string]bool{}}
				mods[path] = m
			}
			if m.Version != version {
				t.Fatalf("%s is linked at %s and at %s", path, m.Version, version)
			}
			m.pkgDirs[pkgDir] = true
			m.targets[o.target] = true
		}
	}
	if mods[mainModule] == nil || len(mods) < 2 {
		t.Fatalf("go list -deps found %d modules, not the main module and its dependencies", len(mods))
	}
	return mods
}

// readLicences reads a module's licence files: those in its root, and any
// in the directory of a package the binary links (vendored code under a
// licence of its own), and its root's NOTICE files.
func readLicences(t *testing.T, m *linkedModule) moduleLicence {
	t.Helper()
	ml := moduleLicence{mod: m}
	dirs := []string{m.Dir}
	for d := range m.pkgDirs {
		if d != m.Dir {
			dirs = append(dirs, d)
		}
	}
	sort.Strings(dirs[1:])
	ids := map[string]bool{}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("%s: %v", m.Path, err)
		}
		for _, e := range entries {
			name := e.Name()
			isNotice := dir == m.Dir && noticeFileName.MatchString(name)
			if e.IsDir() || (!licenceFileName.MatchString(name) && !isNotice) || strings.HasSuffix(name, ".go") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(m.Dir, filepath.Join(dir, name))
			lf := licenceFile{rel: filepath.ToSlash(rel), text: string(b)}
			if isNotice {
				ml.notices = append(ml.notices, lf)
				continue
			}
			lf.ids = classifyLicence(lf.text)
			for _, id := range lf.ids {
				ids[id] = true
			}
			ml.files = append(ml.files, lf)
		}
	}
	for id := range ids {
		ml.licences = append(ml.licences, id)
	}
	sort.Strings(ml.licences)
	return ml
}

// checkLicence is why a module may not be linked, or "".
func checkLicence(ml moduleLicence) string {
	if len(ml.files) == 0 {
		return "no licence file"
	}
	var bad []string
	for _, f := range ml.files {
		if len(f.ids) == 0 {
			bad = append(bad, f.rel+": a licence this test cannot name (teach licenceRules, or replace the module)")
		}
		for _, id := range f.ids {
			if !allowedLicences[id] {
				bad = append(bad, f.rel+": "+id)
			}
		}
	}
	return strings.Join(bad, "; ")
}

// Every module linked into the released binary, on every release target,
// is under a licence that allows linking it into an Apache-2.0 binary (no
// GPL, LGPL or AGPL, nothing unnamed), and LICENSE-THIRD-PARTY.md, which
// the release archives carry, lists exactly those modules with their
// licences, their NOTICE files and the licence texts that must go with a
// copy of the binary.
func TestThirdPartyLicences(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	mods := linkedModules(t, root)

	var paths []string
	for p := range mods {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var deps []moduleLicence
	for _, p := range paths {
		if p == mainModule {
			continue // DocuVault's own LICENSE: TestReleaseNamesItsLicence
		}
		ml := readLicences(t, mods[p])
		if why := checkLicence(ml); why != "" {
			t.Errorf("%s %s may not be linked into the binary: %s", p, mods[p].Version, why)
		}
		deps = append(deps, ml)
	}

	// The Go standard library and runtime are in every binary too.
	goroot := strings.TrimSpace(run(t, root, os.Environ(), time.Minute, "", "go", "env", "GOROOT").stdout)
	goLicence, err := os.ReadFile(filepath.Join(goroot, "LICENSE"))
	if err != nil {
		t.Fatalf("the Go toolchain's LICENSE: %v", err)
	}
	if ids := classifyLicence(string(goLicence)); strings.Join(ids, ",") != "BSD-3-Clause" {
		t.Errorf("the Go toolchain's LICENSE names %v, want BSD-3-Clause", ids)
	}
	t.Logf("%d modules linked into the binary on %d release targets, each under an allowed licence", len(deps), len(releaseMatrix))

	want := thirdPartySection(deps, string(goLicence))
	path := filepath.Join(root, thirdPartyFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (the release archives carry it)", err)
	}
	doc := string(b)
	i, j := strings.Index(doc, thirdPartyBegin), strings.Index(doc, thirdPartyEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no section between %q and %q", thirdPartyFile, thirdPartyBegin, thirdPartyEnd)
	}
	got := doc[i : j+len(thirdPartyEnd)]
	if *updateThirdParty {
		if got != want {
			if err := os.WriteFile(path, []byte(doc[:i]+want+doc[j+len(thirdPartyEnd):]), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("rewrote %s", thirdPartyFile)
		}
		return
	}
	if got != want {
		listed := listedModules(got)
		for _, d := range deps {
			if l, ok := listed[d.mod.Path]; !ok {
				t.Errorf("%s does not list %s, which is linked into the binary", thirdPartyFile, d.mod.Path)
			} else if l != d.mod.Version+" | "+d.String() {
				t.Errorf("%s lists %s as %q, the build has %q", thirdPartyFile, d.mod.Path, l, d.mod.Version+" | "+d.String())
			}
			delete(listed, d.mod.Path)
		}
		for p := range listed {
			t.Errorf("%s lists %s, which is not linked into the binary", thirdPartyFile, p)
		}
		t.Errorf("%s's Go modules section is not what the build links (licence texts or notices differ too); rewrite it with\n"+
			"  go test -count=1 -run '^TestThirdPartyLicences$' ./tests/ship/ -args -update-third-party", thirdPartyFile)
	}
}

var listedRow = regexp.MustCompile("(?m)^\\| `([^`]+)` \\| (.*?) \\|$")

// listedModules reads the table of the Go modules section: path → "version | licences".
func listedModules(section string) map[string]string {
	out := map[string]string{}
	for _, m := range listedRow.FindAllStringSubmatch(section, -1) {
		out[m[1]] = m[2]
	}
	return out
}

var copyrightLine = regexp.MustCompile(`(?im)^[ \t]*copyright[ \t]+(\(c\)|©|[0-9]).*$`)

// thirdPartySection is LICENSE-THIRD-PARTY.md's Go modules section: a table
// of the modules, then what their licences ask to go with the binary. The
// Apache License 2.0's text is LICENSE's, so a module under it alone adds
// only its NOTICE file and any filled-in copyright line; every other
// licence file is given whole.
func thirdPartySection(deps []moduleLicence, goLicence string) string {
	var b strings.Builder
	b.WriteString(thirdPartyBegin + "\n\n")
	b.WriteString("| module | version | licence |\n|---|---|---|\n")
	b.WriteString("| Go standard library and runtime | the toolchain's | BSD-3-Clause |\n")
	for _, d := range deps {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", d.mod.Path, d.mod.Version, d)
	}
	b.WriteString("\n### Licence texts and notices\n\n")
	b.WriteString("#### Go standard library and runtime\n\n")
	writeQuoted(&b, goLicence)
	for _, d := range deps {
		fmt.Fprintf(&b, "#### `%s` %s\n\n", d.mod.Path, d.mod.Version)
		for _, f := range d.files {
			if strings.Join(f.ids, ",") == "Apache-2.0" && strings.Contains(foldSpace.ReplaceAllString(f.text, " "), apacheTermsTitle) {
				var own []string
				for _, l := range copyrightLine.FindAllString(f.text, -1) {
					if l = strings.TrimSpace(l); !strings.Contains(l, "[yyyy]") {
						own = append(own, l)
					}
				}
				fmt.Fprintf(&b, "`%s`: the Apache License 2.0, as in `LICENSE`.", f.rel)
				if len(own) > 0 {
					fmt.Fprintf(&b, " %s", strings.Join(own, "; "))
				}
				b.WriteString("\n\n")
				continue
			}
			fmt.Fprintf(&b, "`%s`:\n\n", f.rel)
			writeQuoted(&b, f.text)
		}
		for _, n := range d.notices {
			fmt.Fprintf(&b, "`%s`:\n\n", n.rel)
			writeQuoted(&b, n.text)
		}
	}
	b.WriteString(thirdPartyEnd)
	return b.String()
}

// writeQuoted writes a text as a fenced block, verbatim.
func writeQuoted(b *strings.Builder, text string) {
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	b.WriteString(fence + "text\n" + strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n") + "\n" + fence + "\n\n")
}

// The release names its licence everywhere it goes: LICENSE is Apache-2.0,
// the README says so and names the file, the release archives carry LICENSE
// and LICENSE-THIRD-PARTY.md, and the image is labelled with the licence
// and carries both files.
func TestReleaseNamesItsLicence(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if ids := classifyLicence(read("LICENSE")); strings.Join(ids, ",") != "Apache-2.0" {
		t.Errorf("LICENSE names %v, want Apache-2.0", ids)
	}
	readme := read("README.md")
	if !regexp.MustCompile(`Apache License 2\.0|Apache-2\.0`).MatchString(readme) || !strings.Contains(readme, "](LICENSE)") || !strings.Contains(readme, thirdPartyFile) {
		t.Errorf("README.md does not name its licence (Apache-2.0) with links to LICENSE and %s", thirdPartyFile)
	}

	var cfg goreleaserConfig
	if err := yaml.Unmarshal([]byte(read(".goreleaser.yaml")), &cfg); err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg.Archives {
		for _, want := range []string{"LICENSE", thirdPartyFile} {
			if !contains(a.Files, want) {
				t.Errorf(".goreleaser.yaml: an archive without %s", want)
			}
		}
	}
	if len(cfg.Archives) == 0 {
		t.Errorf(".goreleaser.yaml: no archives")
	}

	_, stages := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	final := stages[len(stages)-1]
	labelled, copied := false, map[string]bool{}
	for _, in := range final.Ins {
		if in.Cmd == "LABEL" && regexp.MustCompile(`(^|\s)org\.opencontainers\.image\.licenses="?Apache-2\.0"?(\s|$)`).MatchString(in.Args) {
			labelled = true
		}
		if in.Cmd == "COPY" && !strings.HasPrefix(in.Args, "--from=") {
			for _, f := range strings.Fields(in.Args) {
				copied[f] = true
			}
		}
	}
	if !labelled {
		t.Errorf("Dockerfile: the image has no LABEL org.opencontainers.image.licenses=\"Apache-2.0\"")
	}
	for _, want := range []string{"LICENSE", thirdPartyFile} {
		if !copied[want] {
			t.Errorf("Dockerfile: the image does not carry %s (COPY it into the runtime stage)", want)
		}
	}
}

// The licence rules name the texts they are for, and refuse copyleft.
func TestClassifyLicence(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, want string }{
		{"                                 Apache License\n                           Version 2.0, January 2004", "Apache-2.0"},
		{"MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software", "MIT"},
		{"Redistribution and use in source and binary forms, with or without\nmodification, are permitted provided that the following conditions are\nmet: ... Neither the name of Google Inc. nor the names of its\ncontributors may be used", "BSD-3-Clause"},
		{"Redistribution and use in source and binary forms, with or without modification,\nare permitted provided that the following conditions are met: 1. ... 2. ...", "BSD-2-Clause"},
		{"Permission to use, copy, modify, and/or distribute this software for any\npurpose with or without fee is hereby granted", "ISC"},
		{"Mozilla Public License Version 2.0\n... \"Secondary License\" means either the GNU General Public License, Version 2.0, the GNU Lesser General Public License", "MPL-2.0"},
		{"                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007", "GPL"},
		{"This program is free software: you can redistribute it and/or modify\nit under the terms of the GNU General Public License as published by", "GPL"},
		{"                   GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 3", "LGPL"},
		{"                    GNU AFFERO GENERAL PUBLIC LICENSE\n                       Version 3, 19 November 2007", "AGPL"},
		{"All rights reserved. Ask us.", ""},
	} {
		ids := classifyLicence(c.text)
		if got := strings.Join(ids, ","); got != c.want {
			t.Errorf("classifyLicence(%.40q…) = %q, want %q", c.text, got, c.want)
		}
		ml := moduleLicence{files: []licenceFile{{rel: "LICENSE", text: c.text, ids: ids}}}
		if allowed := checkLicence(ml) == ""; allowed != allowedLicences[c.want] {
			t.Errorf("%q: allowed %v", c.want, allowed)
		}
	}
}
