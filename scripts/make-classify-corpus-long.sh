#!/usr/bin/env bash
# Builds the long-document corpus for the classification benchmark (issue 19,
# scripts/bench-classify.sh --corpus long) into .dev/classify-corpus-long/:
#
#   train.jsonl   {"id","label","text"} one document a line (the dev split)
#   test.jsonl    {"id","label","text"} the held-out test split
#   test2.jsonl   {"id","label","text"} a second, fresh held-out split of NEW documents (issue 19; see below)
#   topics.json   {"corpus","language","source","split","split_test2","labels":[{"label","name","description","provenance","train","test","test2"}],…}
#   topics-zeroshot.json  [{"name","description"}] for `docuvault classify --topics`
#   docs.tsv      every candidate: id, label, dev/test/test2 or why it was dropped, words, package, sha256, source files
#   MANIFEST      packages and versions, checksums, counts
#
#   bash scripts/make-classify-corpus-long.sh [--force] [--out DIR]
#
# Sources: manuals, FAQs, specifications and references shipped by Debian 12
# packages (installed with apt-get if missing; their versions go to MANIFEST),
# in the formats they ship: PDF, HTML, plain text (GNU info files with their
# control characters removed, kernel reStructuredText), manual pages turned
# into HTML by pandoc, and one DOCX: the Debian Reference, converted from its
# HTML chapters by pandoc (Debian ships no DOCX). Gzipped files are unpacked
# first. The text of every file is extracted by DocuVault itself
# (`docuvault extract --json --ocr never`, built from this tree, or
# DOCUVAULT_BIN), as the worker reads an upload.
#
# Kept, in the order of DOCS below: documents with at least 4,000 words of
# extracted text, whose text no earlier document has, at most 12 per topic.
# The documents issue 19 names are always in the dev split: the libtasn1
# reference manual (libtasn1-manual, PDF), the Debian FAQ (debian-faq, PDF),
# the Debian Reference (debian-reference, DOCX), the R FAQ (r-faq, HTML) and
# the Filesystem Hierarchy Standard 3.0 (fhs, PDF, from debian-policy).
#
# Split (once, from the id alone): per topic, the other documents sorted by
# int(sha256("classify-long:" + id)[:8], 16); the first floor(n/2) of the
# topic's n documents are test, the rest dev (train.jsonl).
#
# test2 (issue 19, added 2026-12-04, after test.jsonl had been scored twice):
# every split above uses every candidate, so test2 is made of NEW documents,
# DOCS_TEST2 below: 50 manuals, FAQs, guides, specifications and manual
# pages, 5 per topic, from Debian 12 packages, none of them a file of DOCS,
# chosen by their names and the topic descriptions only, in the same formats
# (PDF, HTML, info, man via pandoc, plain text, and HTML chapters joined by
# pandoc), staged, extracted (in a docuvault run of their own) and selected
# (at least 4,000 words, a text no other candidate has) the same way, after
# and independently of DOCS, so train.jsonl and test.jsonl are the same
# bytes as before test2 existed. Every one kept is test2 (vcs, databases, r,
# debian, tex, network, security, filesystems, graphics, shell: 5 each); the
# build fails if test2 shares an id, a source file, a staged file's bytes or
# a text with the other splits, or a topic has fewer than 3. MANIFEST lists
# them. test2 is for one run per model change worth reporting (bash
# scripts/bench-classify.sh --corpus all --split test2); never choose
# anything on it.
#
# Topic names and descriptions (TOPICS below): written by hand on 2026-12-03
# by the corpus's builder, as a person would describe a folder of these
# documents, BEFORE any classifier was run on this corpus; not to be edited
# after seeing results. They are not taken from the packages' own texts.
#
# Needs: apt-get (root or sudo), pandoc, poppler-utils (pdftotext, for
# DocuVault's PDF reading), go, python3 (stdlib). About 1.5 GB of packages
# for DOCS, and more for DOCS_TEST2 (R with a few CRAN packages,
# texlive-latex-recommended-doc, the Debian Administrator's Handbook, …).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/.dev/classify-corpus-long"
FORCE=0

say() { printf '[make-classify-corpus-long] %s\n' "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,61p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done

if [ "$FORCE" = 0 ] && [ -s "$OUT/train.jsonl" ] && [ -s "$OUT/test.jsonl" ] && [ -s "$OUT/test2.jsonl" ] && [ -s "$OUT/topics.json" ] && [ -s "$OUT/topics-zeroshot.json" ]; then
  say "corpus already in $OUT (use --force to rebuild)"
  exit 0
fi

# Topics: label, name, description. Written before any classifier run (see above).
TOPICS=$(cat <<'EOF'
vcs	Version control	Version control systems such as Git: repositories, commits, branches, merging and rebasing, the history of a project, patches and working together on source code.
databases	Databases	Database systems such as PostgreSQL and SQLite: SQL queries, tables and indexes, transactions, data types, backups and running a database server.
r	R and statistics	The R language for statistical computing: data analysis, statistical models and tests, data frames, plots, writing R code and R's add-on packages.
debian	Debian and its packages	The Debian operating system: installing and running a Debian system, package management with apt and dpkg, the Debian policy and how Debian packages are made and maintained.
tex	Typesetting and TeX	Typesetting documents with TeX and LaTeX and other typesetters such as groff: document classes, fonts, mathematical formulas, macros and PDF or PostScript output.
network	Networking and servers	Computer networks and network services: DNS and name servers, mail servers, web servers, TCP/IP, protocols, routing and configuring servers.
security	Security and cryptography	Cryptography and security: encryption, hash functions, digital signatures, keys, TLS, certificates (X.509, ASN.1) and the manuals of cryptographic libraries and tools.
filesystems	Filesystems and storage	Files and disks: the filesystem layout and directory hierarchy standard, file systems such as ext4, btrfs and XFS, mounting, disks, partitions, RAID and volume management.
graphics	Images and graphics	Digital images and graphics: image file formats such as PNG, JPEG and TIFF, image processing and conversion, colour, compression and image libraries.
shell	Shells and the command line	The command line: Unix shells such as bash and zsh, shell scripts, and command-line tools for working with files and text such as grep, sed, find and the coreutils.
EOF
)
PROVENANCE="written by hand by the corpus builder on 2026-12-03, before any classifier run, as a person would describe the folder"

# Candidates: id, label, package, how, source path(s). how: file (as shipped;
# .gz unpacked), docx (pandoc HTML -> DOCX), html (pandoc joins HTML pages
# into one HTML file), info (GNU info -> plain text), man (pandoc man -> HTML),
# rst (reStructuredText as plain text).
D=/usr/share/doc
I=/usr/share/info
K=$D/linux-doc-6.1/Documentation/filesystems
G=$D/git/html
PG=$D/postgresql-doc-15/html
SQ=$D/sqlite3
TL=$D/texlive-doc/latex
AP=$D/apache2-doc/manual/en
PF=$D/postfix/html
IM=$D/imagemagick-6-common/html/www
DR=/usr/share/debian-reference
DOCS=$(cat <<EOF
git-user-manual	vcs	git-doc	file	$G/user-manual.html
gitmagic	vcs	gitmagic	file	$D/gitmagic/gitmagic.pdf
gitcore-tutorial	vcs	git-doc	file	$G/gitcore-tutorial.html
git-my-first-contribution	vcs	git-doc	file	$D/git-doc/MyFirstContribution.html
git-config	vcs	git-doc	file	$G/git-config.html
git-rebase	vcs	git-doc	file	$G/git-rebase.html
git-log	vcs	git-doc	file	$G/git-log.html
git-fast-import	vcs	git-doc	file	$G/git-fast-import.html
git-filter-branch	vcs	git-doc	file	$G/git-filter-branch.html
gitattributes	vcs	git-doc	file	$G/gitattributes.html
githooks	vcs	git-doc	file	$G/githooks.html
git-svn	vcs	git-doc	file	$G/git-svn.html
git-rev-list	vcs	git-doc	file	$G/git-rev-list.html
git-push	vcs	git-doc	file	$G/git-push.html
pg-select	databases	postgresql-doc-15	file	$PG/sql-select.html
sqlite-select	databases	sqlite3-doc	file	$SQ/lang_select.html
pg-createtable	databases	postgresql-doc-15	file	$PG/sql-createtable.html
sqlite-fileformat	databases	sqlite3-doc	file	$SQ/fileformat2.html
pg-datetime	databases	postgresql-doc-15	file	$PG/datatype-datetime.html
sqlite-optoverview	databases	sqlite3-doc	file	$SQ/optoverview.html
pg-high-availability	databases	postgresql-doc-15	file	$PG/high-availability.html
sqlite-atomiccommit	databases	sqlite3-doc	file	$SQ/atomiccommit.html
pg-functions-json	databases	postgresql-doc-15	file	$PG/functions-json.html
sqlite-pragma	databases	sqlite3-doc	file	$SQ/pragma.html
pg-partitioning	databases	postgresql-doc-15	file	$PG/ddl-partitioning.html
sqlite-queryplanner	databases	sqlite3-doc	file	$SQ/queryplanner.html
pg-using-explain	databases	postgresql-doc-15	file	$PG/using-explain.html
sqlite-lockingv3	databases	sqlite3-doc	file	$SQ/lockingv3.html
pg-runtime-config-query	databases	postgresql-doc-15	file	$PG/runtime-config-query.html
sqlite-datatype3	databases	sqlite3-doc	file	$SQ/datatype3.html
pg-routine-vacuuming	databases	postgresql-doc-15	file	$PG/routine-vacuuming.html
sqlite-wal	databases	sqlite3-doc	file	$SQ/wal.html
r-faq	r	r-doc-html	file	$D/r-doc-html/manual/R-FAQ.html
r-intro	r	r-doc-pdf	file	$D/r-doc-pdf/manual/R-intro.pdf
r-admin	r	r-doc-html	file	$D/r-doc-html/manual/R-admin.html
r-data	r	r-doc-pdf	file	$D/r-doc-pdf/manual/R-data.pdf
r-exts	r	r-doc-html	file	$D/r-doc-html/manual/R-exts.html
r-lang	r	r-doc-pdf	file	$D/r-doc-pdf/manual/R-lang.pdf
r-ints	r	r-doc-html	file	$D/r-doc-html/manual/R-ints.html
debian-faq	debian	debian-faq	file	$D/debian/FAQ/debian-faq.en.pdf.gz
debian-reference	debian	debian-reference-en	docx	$DR/index.en.html $DR/pr01.en.html $DR/ch01.en.html $DR/ch02.en.html $DR/ch03.en.html $DR/ch04.en.html $DR/ch05.en.html $DR/ch06.en.html $DR/ch07.en.html $DR/ch08.en.html $DR/ch09.en.html $DR/ch10.en.html $DR/ch11.en.html $DR/ch12.en.html $DR/apa.en.html
debian-policy	debian	debian-policy	file	$D/debian-policy/policy.pdf.gz
maint-guide	debian	maint-guide	file	$D/maint-guide/maint-guide.en.pdf
developers-reference	debian	developers-reference	file	$D/developers-reference/docs/developers-reference.pdf
debmake-doc	debian	debmake-doc	file	$D/debmake-doc/debmake-doc.en.pdf
packaging-tutorial	debian	packaging-tutorial	file	$D/packaging-tutorial/packaging-tutorial.pdf
debian-copyright-format	debian	debian-policy	file	$D/debian-policy/copyright-format-1.0.html
debian-upgrading-checklist	debian	debian-policy	file	$D/debian-policy/upgrading-checklist.txt.gz
debconf-specification	debian	debian-policy	file	$D/debian-policy/debconf_specification.html
latex-usrguide	tex	texlive-latex-base-doc	file	$TL/base/usrguide.pdf
latex-clsguide	tex	texlive-latex-base-doc	file	$TL/base/clsguide.pdf
latex-fntguide	tex	texlive-latex-base-doc	file	$TL/base/fntguide.pdf
amsmath-guide	tex	texlive-latex-base-doc	file	$TL/amsmath/amsldoc.pdf
babel-manual	tex	texlive-latex-base-doc	file	$TL/babel/babel.pdf
latex-news	tex	texlive-latex-base-doc	file	$TL/base/ltnews.pdf
dvips-manual	tex	texlive-binaries	info	$I/dvips.info.gz
kpathsea-manual	tex	texlive-binaries	info	$I/kpathsea.info.gz
groff-manual	tex	groff	info	$I/groff.info.gz $I/groff.info-1.gz $I/groff.info-2.gz
latex-encguide	tex	texlive-latex-base-doc	file	$TL/base/encguide.pdf
latex-hooks	tex	texlive-latex-base-doc	file	$TL/base/lthooks-doc.pdf
web2c-manual	tex	texlive-binaries	info	$I/web2c.info.gz
latex-cyrguide	tex	texlive-latex-base-doc	file	$TL/base/cyrguide.pdf
bind-arm-config	network	bind9-doc	file	$D/bind9-doc/arm/chapter3.html
postfix-tls	network	postfix-doc	file	$PF/TLS_README.html
apache-mod-rewrite	network	apache2-doc	file	$AP/mod/mod_rewrite.html
bind-dnssec-guide	network	bind9-doc	file	$D/bind9-doc/arm/dnssec-guide.html
postfix-sasl	network	postfix-doc	file	$PF/SASL_README.html
apache-core	network	apache2-doc	file	$AP/mod/core.html
wget-manual	network	wget	info	$I/wget.info.gz
bind-arm-reference	network	bind9-doc	file	$D/bind9-doc/arm/reference.html
postfix-smtpd-access	network	postfix-doc	file	$PF/SMTPD_ACCESS_README.html
apache-mod-ssl	network	apache2-doc	file	$AP/mod/mod_ssl.html
bind-arm-advanced	network	bind9-doc	file	$D/bind9-doc/arm/chapter5.html
postfix-address-rewriting	network	postfix-doc	file	$PF/ADDRESS_REWRITING_README.html
apache-mod-proxy	network	apache2-doc	file	$AP/mod/mod_proxy.html
postfix-postscreen	network	postfix-doc	file	$PF/POSTSCREEN_README.html
libtasn1-manual	security	libtasn1-doc	file	$D/libtasn1-doc/libtasn1.pdf
gnutls-manual	security	gnutls-doc	file	$D/gnutls-doc/gnutls.pdf
gcrypt-manual	security	libgcrypt20-doc	file	$D/libgcrypt20-doc/gcrypt.pdf.gz
nettle-manual	security	nettle-dev	file	$D/nettle-dev/nettle.pdf.gz
gnupg-manual	security	gnupg	info	$I/gnupg.info.gz $I/gnupg.info-1.gz $I/gnupg.info-2.gz
gnutls-x509-api	security	gnutls-doc	file	$D/gnutls-doc/api-reference/gnutls-x509.html
openssl-x509v3-config	security	libssl-doc	man	/usr/share/man/man5/x509v3_config.5ssl.gz
gnutls-abstract-api	security	gnutls-doc	file	$D/gnutls-doc/api-reference/gnutls-abstract.html
gnutls-pkcs11-api	security	gnutls-doc	file	$D/gnutls-doc/api-reference/gnutls-pkcs11.html
fhs	filesystems	debian-policy	file	$D/debian-policy/fhs/fhs-3.0.pdf.gz
linux-procfs	filesystems	linux-doc-6.1	rst	$K/proc.rst.gz
lvmraid	filesystems	lvm2	man	/usr/share/man/man7/lvmraid.7.gz
btrfs	filesystems	btrfs-progs	man	/usr/share/man/man5/btrfs.5.gz
linux-vfs	filesystems	linux-doc-6.1	rst	$K/vfs.rst.gz
mdadm	filesystems	mdadm	man	/usr/share/man/man8/mdadm.8.gz
linux-overlayfs	filesystems	linux-doc-6.1	rst	$K/overlayfs.rst.gz
lvmthin	filesystems	lvm2	man	/usr/share/man/man7/lvmthin.7.gz
xfs-delayed-logging	filesystems	linux-doc-6.1	rst	$K/xfs-delayed-logging-design.rst.gz
linux-path-lookup	filesystems	linux-doc-6.1	rst	$K/path-lookup.rst.gz
linux-sharedsubtree	filesystems	linux-doc-6.1	rst	$K/sharedsubtree.rst.gz
lvmcache	filesystems	lvm2	man	/usr/share/man/man7/lvmcache.7.gz
linux-f2fs	filesystems	linux-doc-6.1	rst	$K/f2fs.rst.gz
libpng-manual	graphics	libpng16-16	file	$D/libpng16-16/libpng-manual.txt.gz
imagemagick-options	graphics	imagemagick-6-doc	file	$IM/command-line-options.html
libjpeg-programming	graphics	libjpeg62-turbo-dev	file	$D/libjpeg62-turbo-dev/libjpeg.txt.gz
imagemagick-processing	graphics	imagemagick-6-doc	file	$IM/command-line-processing.html
libjpeg-usage	graphics	libjpeg62-turbo-dev	file	$D/libjpeg62-turbo-dev/usage.txt.gz
imagemagick-architecture	graphics	imagemagick-6-doc	file	$IM/architecture.html
libjpeg-wizard	graphics	libjpeg62-turbo-dev	file	$D/libjpeg62-turbo-dev/wizard.txt.gz
imagemagick-formats	graphics	imagemagick-6-doc	file	$IM/formats.html
libjpeg-structure	graphics	libjpeg62-turbo-dev	file	$D/libjpeg62-turbo-dev/structure.txt.gz
imagemagick-color-management	graphics	imagemagick-6-doc	file	$IM/color-management.html
imagemagick-vector-graphics	graphics	imagemagick-6-doc	file	$IM/magick-vector-graphics.html
imagemagick-resources	graphics	imagemagick-6-doc	file	$IM/resources.html
imagemagick-develop	graphics	imagemagick-6-doc	file	$IM/develop.html
bash-reference	shell	bash-doc	file	$D/bash-doc/bashref.pdf
zsh-manual	shell	zsh-doc	info	$I/zsh.info.gz $I/zsh.info-1.gz $I/zsh.info-2.gz $I/zsh.info-3.gz $I/zsh.info-4.gz $I/zsh.info-5.gz $I/zsh.info-6.gz
coreutils-manual	shell	coreutils	info	$I/coreutils.info.gz
abs-guide	shell	abs-guide	html	$D/abs-guide/html/index.html
grep-manual	shell	grep	info	$I/grep.info.gz
sed-manual	shell	sed	info	$I/sed.info.gz
find-manual	shell	findutils	info	$I/find.info.gz $I/find.info-1.gz $I/find.info-2.gz
diffutils-manual	shell	diffutils	info	$I/diffutils.info.gz
gzip-manual	shell	gzip	info	$I/gzip.info.gz
bc-manual	shell	bc	info	$I/bc.info.gz
EOF
)
DEV_IDS=libtasn1-manual,debian-faq,debian-reference,r-faq,fhs
# test2 (issue 19): NEW documents, none of them a file of DOCS, chosen on
# 2026-12-04 by name and topic description only (no classifier run on them),
# about 5 a topic. Same columns and staging as DOCS; every one kept goes to
# test2.jsonl.
M=/usr/share/man
RL=/usr/lib/R/site-library
TR=$D/texlive-doc/latex
HB=$D/debian-handbook/html/en-US
DOCS_TEST2=$(cat <<EOF
cvs-manual	vcs	cvs	file	$D/cvs/cvs.pdf
cvs-faq	vcs	cvs	text	$D/cvs/FAQ.gz
brz-user-guide	vcs	brz-doc	file	$D/brz/html/en/user-guide/index-plain.html
brz-admin-guide	vcs	brz-doc	file	$D/brz/html/en/admin-guide/index-plain.html
hg-manual	vcs	mercurial-common	man	$M/man1/hg.1.gz
bdb-getting-started	databases	db5.3-doc	file	$D/db5.3-doc/gsg/C/BerkeleyDB-Core-C-GSG.pdf.gz
bdb-transactions	databases	db5.3-doc	file	$D/db5.3-doc/gsg_txn/C/BerkeleyDB-Core-C-Txn.pdf.gz
postgis-manual	databases	postgis-doc	file	$D/postgis-doc/postgis.html
sqlalchemy-orm-queryguide	databases	python-sqlalchemy-doc	file	$D/python-sqlalchemy-doc/html/orm/queryguide.html
sqlalchemy-tutorial-select	databases	python-sqlalchemy-doc	file	$D/python-sqlalchemy-doc/html/tutorial/data_select.html
lme4-lmer	r	r-cran-lme4	file	$RL/lme4/doc/lmer.pdf
survival-vignette	r	r-cran-survival	file	/usr/lib/R/library/survival/doc/survival.pdf
survival-timedep	r	r-cran-survival	file	/usr/lib/R/library/survival/doc/timedep.pdf
zoo-vignette	r	r-cran-zoo	file	$RL/zoo/doc/zoo.pdf
vcd-strucplot	r	r-cran-vcd	file	$RL/vcd/doc/strucplot.pdf
debian-installation-guide	debian	installation-guide-amd64	file	$D/installation-guide-amd64/en/install.en.pdf.gz
handbook-packaging-system	debian	debian-handbook	htmls	$HB/packaging-system.html $HB/sect.package-meta-information.html $HB/sect.source-package-structure.html $HB/sect.manipulating-packages-with-dpkg.html $HB/sect.coexistence-with-other-packaging-systems.html
handbook-apt	debian	debian-handbook	htmls	$HB/apt.html $HB/sect.apt-get.html $HB/sect.apt-cache.html $HB/sect.apt-frontends.html $HB/sect.package-authentication.html $HB/sect.dist-upgrade.html $HB/sect.regular-upgrades.html $HB/sect.automatic-upgrades.html $HB/sect.searching-packages.html
dpkg-man	debian	dpkg	man	$M/man1/dpkg.1.gz
debhelper-man	debian	debhelper	man	$M/man7/debhelper.7.gz
memoir-manual	tex	texlive-latex-recommended-doc	file	$TR/memoir/memman.pdf
beamer-userguide	tex	texlive-latex-recommended-doc	file	$TR/beamer/beameruserguide.pdf
fontspec-manual	tex	texlive-latex-recommended-doc	file	$TR/fontspec/fontspec.pdf
mathtools-manual	tex	texlive-latex-recommended-doc	file	$TR/mathtools/mathtools.pdf
latexmk-man	tex	latexmk	man	$M/man1/latexmk.1.gz
dnsmasq-man	network	dnsmasq-base	man	$M/man8/dnsmasq.8.gz
unbound-conf-man	network	unbound	man	$M/man5/unbound.conf.5.gz
haproxy-starter-guide	network	haproxy-doc	file	$D/haproxy/html/intro.html
exim-acl	network	exim4-doc-html	file	$D/exim4-doc-html/spec_html/ch-access_control_lists.html
curl-man	network	curl	man	$M/man1/curl.1.gz
gpgme-manual	security	libgpgme-dev	info	$I/gpgme.info.gz $I/gpgme.info-1.gz $I/gpgme.info-2.gz
botan-tls	security	libbotan-2-doc	file	$D/libbotan-2-doc/handbook/api_ref/tls.html
botan-pubkey	security	libbotan-2-doc	file	$D/libbotan-2-doc/handbook/api_ref/pubkey.html
openssl-ca-man	security	openssl	man	$M/man1/openssl-ca.1ssl.gz
ssh-keygen-man	security	openssh-client	man	$M/man1/ssh-keygen.1.gz
mount-man	filesystems	mount	man	$M/man8/mount.8.gz
parted-manual	filesystems	parted-doc	info	$I/parted.info.gz
smartctl-man	filesystems	smartmontools	man	$M/man8/smartctl.8.gz
badblock-howto	filesystems	smartmontools	file	$D/smartmontools/badblockhowto.html
ext4-man	filesystems	e2fsprogs	man	$M/man5/ext4.5.gz
exiftool-man	graphics	libimage-exiftool-perl	man	$M/man1/exiftool.1p.gz
vips-conversion	graphics	libvips-doc	file	/usr/share/gtk-doc/html/libvips/libvips-conversion.html
cairo-context	graphics	libcairo2-doc	file	/usr/share/gtk-doc/html/cairo/cairo-cairo-t.html
tiff-jpeg-technote	graphics	libtiff-doc	file	$D/libtiff-doc/manual/specification/technote2.html
netpbm-man	graphics	netpbm	man	$M/man1/netpbm.1.gz
dash-man	shell	dash	man	$M/man1/dash.1.gz
tcsh-man	shell	tcsh	man	$M/man1/tcsh.1.gz
tmux-man	shell	tmux	man	$M/man1/tmux.1.gz
fish-language	shell	fish-common	file	$D/fish/language.html
parallel-tutorial	shell	parallel	man	$M/man7/parallel_tutorial.7.gz
EOF
)
PACKAGES="git-doc gitmagic postgresql-doc-15 sqlite3-doc r-doc-html r-doc-pdf debian-faq debian-reference-en
debian-policy maint-guide developers-reference debmake-doc packaging-tutorial texlive-latex-base-doc texlive-base
texlive-binaries groff bind9-doc postfix-doc apache2-doc wget libtasn1-doc gnutls-doc libgcrypt20-doc nettle-dev
gnupg libssl-doc linux-doc-6.1 lvm2 btrfs-progs mdadm libpng16-16 libjpeg62-turbo-dev imagemagick-6-common
imagemagick-6-doc bash-doc zsh-doc abs-guide coreutils grep sed findutils diffutils gzip bc pandoc poppler-utils
cvs brz-doc mercurial-common db5.3-doc postgis-doc python-sqlalchemy-doc r-cran-lme4 r-cran-survival r-cran-zoo
r-cran-vcd installation-guide-amd64 debian-handbook dpkg debhelper texlive-latex-recommended-doc latexmk dnsmasq-base
unbound haproxy-doc exim4-doc-html curl libgpgme-dev libbotan-2-doc openssl openssh-client mount parted-doc
smartmontools e2fsprogs libimage-exiftool-perl libvips-doc libcairo2-doc libtiff-doc netpbm dash tcsh tmux fish-common parallel"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
# shellcheck disable=SC2086 # PACKAGES is a word list
INSTALLED=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $PACKAGES 2>/dev/null || true) # exits 1 on unknown packages
# shellcheck disable=SC2086
MISSING=$(awk '$1 == "ii" { print $2 }' <<<"$INSTALLED" | sort | comm -13 - <(printf '%s\n' $PACKAGES | sort) | tr '\n' ' ')
if [ -n "${MISSING// /}" ]; then
  say "installing (Debian): $MISSING"
  as_root apt-get update -qq >/dev/null || die "apt-get update failed"
  # shellcheck disable=SC2086
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $MISSING >/dev/null ||
    die "apt-get install failed"
fi
# Manual pages are left out of some images (dpkg path-exclude); they are needed here.
for m in /usr/share/man/man7/lvmraid.7.gz /usr/share/man/man5/x509v3_config.5ssl.gz; do
  [ -s "$m" ] || die "$m missing: is /usr/share/man excluded by /etc/dpkg/dpkg.cfg.d? (reinstall its package without the exclusion)"
done
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || die "python3 not found"

command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -n "${DOCUVAULT_BIN:-}" ]; then
  BIN=$DOCUVAULT_BIN
else
  say "building docuvault"
  (cd "$ROOT" && go build -o "$WORK/docuvault" .) || die "go build failed"
  BIN="$WORK/docuvault"
fi

# Stage every candidate as the file a person would upload. A fixed
# SOURCE_DATE_EPOCH keeps pandoc's DOCX the same bytes on every build.
export SOURCE_DATE_EPOCH=1672531200
mkdir -p "$WORK/files"
# stage_docs LIST TSV: stages every candidate of LIST and appends its line to TSV.
stage_docs() {
  local list=$1 tsv=$2 id label pkg how srcs src s first base dst dir pages files p
  : >"$tsv"
  while IFS=$'\t' read -r id label pkg how srcs; do
    [ -n "$id" ] || continue
    read -r -a src <<<"$srcs"
    for s in "${src[@]}"; do [ -s "$s" ] || die "$id: $s missing (package $pkg)"; done
    first=${src[0]}
    base=$(basename "${first%.gz}")
    case "$how" in
      file)
        dst="$WORK/files/$id-$base"
        if [ "${first%.gz}" != "$first" ]; then gzip -dc "$first" >"$dst"; else cp "$first" "$dst"; fi ;;
      docx)
        dst="$WORK/files/$id.docx"
        pandoc --quiet --resource-path "$(dirname "$first")" -f html -t docx -o "$dst" "${src[@]}" || die "$id: pandoc to DOCX failed" ;;
      html)
        # index.html plus the pages it links to, in link order.
        dir=$(dirname "$first")
        mapfile -t pages < <(grep -o 'HREF="[a-z0-9-]*\.html"\|href="[a-z0-9-]*\.html"' "$first" | sed 's/^[^"]*"//; s/"$//' | awk '!seen[$0]++')
        files=("$first")
        for p in "${pages[@]}"; do [ -s "$dir/$p" ] && files+=("$dir/$p"); done
        dst="$WORK/files/$id.html"
        pandoc --quiet -s -f html -t html --metadata title="$id" -o "$dst" "${files[@]}" || die "$id: pandoc failed" ;;
      info)
        dst="$WORK/files/$id.txt"
        for s in "${src[@]}"; do gzip -dc "$s"; done |
          "$PY" -c 'import sys, re
t = sys.stdin.read()
t = re.sub(r"\x1f\nTag Table:.*?\x1f\nEnd Tag Table\n?", "", t, flags=re.S)
t = re.sub(r"\x1f\nIndirect:.*?\x1f", "\x1f", t, flags=re.S)
sys.stdout.write(re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", t))' >"$dst" ;;
      man)
        dst="$WORK/files/$id.html"
        gzip -dc "$first" | pandoc --quiet -s -f man -t html --metadata title="$id" -o "$dst" || die "$id: pandoc man failed" ;;
      rst|text)
        dst="$WORK/files/$id.txt"
        gzip -dc "$first" >"$dst" ;;
      htmls)
        # the listed HTML pages (a chapter and its sections), in list order, joined into one HTML file.
        dst="$WORK/files/$id.html"
        pandoc --quiet -s -f html -t html --metadata title="$id" -o "$dst" "${src[@]}" || die "$id: pandoc failed" ;;
      *) die "$id: unknown how $how" ;;
    esac
    printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$label" "$pkg" "$dst" "$srcs" >>"$tsv"
  done <<<"$list"
}
stage_docs "$DOCS" "$WORK/docs.tsv"
stage_docs "$DOCS_TEST2" "$WORK/docs-test2.tsv"

say "extracting $(wc -l <"$WORK/docs.tsv") files with docuvault extract"
cut -f4 "$WORK/docs.tsv" | tr '\n' '\0' | xargs -0 "$BIN" extract --json --ocr never >"$WORK/extract.jsonl" ||
  say "some files could not be read (listed in docs.tsv)"
# test2's files in a run of their own, so that the other files' extraction is exactly as before.
say "extracting $(wc -l <"$WORK/docs-test2.tsv") test2 files with docuvault extract"
cut -f4 "$WORK/docs-test2.tsv" | tr '\n' '\0' | xargs -0 "$BIN" extract --json --ocr never >>"$WORK/extract.jsonl" ||
  say "some test2 files could not be read (listed in docs.tsv)"

printf '%s\n' "$TOPICS" | "$PY" -c 'import json, sys
prov = sys.argv[1]
out = []
for line in sys.stdin:
    if line.strip():
        label, name, desc = line.rstrip("\n").split("\t")
        out.append({"label": label, "name": name, "description": desc, "provenance": prov})
json.dump(out, open(sys.argv[2], "w", encoding="utf-8"), indent=1, ensure_ascii=False)' "$PROVENANCE" "$WORK/topics.json"

mkdir -p "$OUT.tmp"
rm -f "$OUT.tmp"/*
"$PY" "$ROOT/scripts/classify_corpus_docs.py" build --docs "$WORK/docs.tsv" --extracted "$WORK/extract.jsonl" \
  --topics "$WORK/topics.json" --out "$OUT.tmp" --language en --hash-prefix classify-long: \
  --corpus "Long documents from Debian packages, 10 topics" \
  --source "Debian 12 packages' documentation (see MANIFEST), text extracted by docuvault extract" \
  --split half --dev-ids "$DEV_IDS" --min-words 4000 --max-per-label 12 --min-per-split 3 \
  --docs-test2 "$WORK/docs-test2.tsv" --min-test2 3 ||
  die "building the corpus failed"

{
  echo "corpus: long documents from Debian packages, 10 topics (issue 19)"
  echo "built: $(date -u '+%Y-%m-%d %H:%M:%S UTC') by scripts/make-classify-corpus-long.sh"
  echo "text: docuvault extract --json --ocr never (docuvault ${DOCUVAULT_BIN:-built from the tree at $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')}); pandoc $(pandoc --version | head -1 | awk '{ print $2 }'); pdftotext $(pdftotext -v 2>&1 | head -1 | awk '{ print $3 }')"
  echo "packages:"
  cut -f3 "$WORK/docs.tsv" "$WORK/docs-test2.tsv" | sort -u | while read -r p; do
    printf '  %s %s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
  done
  echo "documents (id, label, split or why dropped, words, extractor, truncated, package, sha256 of the file read, source): docs.tsv"
  (cd "$OUT.tmp" && sha256sum train.jsonl test.jsonl test2.jsonl topics.json topics-zeroshot.json docs.tsv)
  echo "train (dev): $(wc -l <"$OUT.tmp/train.jsonl") documents; test: $(wc -l <"$OUT.tmp/test.jsonl") documents; test2: $(wc -l <"$OUT.tmp/test2.jsonl") documents"
  "$PY" -c 'import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
print("test2 per topic: " + ", ".join("{} {}".format(x["label"], x["test2"]) for x in m["labels"]))' "$OUT.tmp/topics.json"
  echo "test2 documents (id, label, words, package, source):"
  awk -F'\t' '$3 == "test2" { printf "  %s\t%s\t%s\t%s\t%s\n", $1, $2, $4, $7, $9 }' "$OUT.tmp/docs.tsv"
} >"$OUT.tmp/MANIFEST"
mkdir -p "$OUT"
for f in train.jsonl test.jsonl test2.jsonl topics.json topics-zeroshot.json docs.tsv MANIFEST; do mv -f "$OUT.tmp/$f" "$OUT/$f"; done
rmdir "$OUT.tmp"
say "wrote $OUT:"
sed 's/^/  /' "$OUT/MANIFEST" >&2
