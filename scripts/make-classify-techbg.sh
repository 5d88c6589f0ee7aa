#!/usr/bin/env bash
# Builds the builtin classifier's technical background,
# pkg/classify/background/manpages.tsv.gz: for each stem, the share of a
# package's English manual pages that have it, averaged over a fixed list of
# Debian 12 packages (each package counts once, so one with hundreds of pages
# does not outweigh the others). It tells the classifier which words every
# piece of software documentation has ("version", "file", "option",
# "library"), which WordNet's glosses (make-classify-background.sh) call
# rare, so that a software manual's "--version" does not file it under
# Version control (pkg/classify/background.go, techBackground).
#
#   bash scripts/make-classify-techbg.sh
#
# Source: the packages below, fetched with `apt-get download` (no install, no
# root) and unpacked with dpkg-deb; only their manual pages are read, and
# only word counts are kept (no text). The list is fixed, and leaves out
# every package whose documentation is in a classification corpus of
# scripts/bench-classify.sh or scripts/accept-classify.sh (git, PostgreSQL,
# SQLite, R, Debian's own manuals and dpkg/apt, TeX and groff, BIND,
# Postfix, Apache, wget, libtasn1, GnuTLS, libgcrypt, Nettle, GnuPG,
# OpenSSL, the kernel's documentation, LVM, btrfs, mdadm, libpng, libjpeg,
# ImageMagick, bash, zsh, coreutils, grep, sed, findutils, diffutils, gzip,
# bc, LibreOffice) and of the long corpus's second test split (test2: CVS,
# Mercurial, OpenSSH, curl, tmux, e2fsprogs, parted, smartmontools,
# ExifTool, among others), so that no figure is read off the documents it
# is measured on. Deterministic for the same package versions (they go into
# the file's header).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/pkg/classify/background/manpages.tsv.gz"

PACKAGES="screen xz-utils zstd libarchive-tools rsync util-linux procps iproute2 iputils-ping net-tools
systemd cron less vim-runtime nano man-db file tar unzip zip xfsprogs dosfstools ntfs-3g
cryptsetup-bin strace gdb make perl python3.11 jq sudo cups-client ffmpeg sox mutt nginx-core
mtr-tiny nmap tcpdump socat htop lsof psmisc sysstat pass lynx w3m mpv graphviz ghostscript qpdf
exiv2 optipng pngquant subversion mariadb-client redis-tools ldap-utils samba-common-bin nfs-common
openvpn wireguard-tools iptables nftables ufw fail2ban apparmor auditd aide clamav binutils"

say() { printf '[make-classify-techbg] %s\n' "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }
command -v apt-get >/dev/null || die "apt-get is needed (Debian)"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/debs" "$WORK/pages"
say "downloading $(wc -w <<<"$PACKAGES") packages"
# shellcheck disable=SC2086 # PACKAGES is a word list
(cd "$WORK/debs" && apt-get download -qq $PACKAGES >/dev/null) ||
  die "apt-get download failed (try: apt-get update)"
for deb in "$WORK"/debs/*.deb; do
  name=$(dpkg-deb -f "$deb" Package)
  mkdir -p "$WORK/x/$name" "$WORK/pages/$name"
  dpkg-deb -x "$deb" "$WORK/x/$name"
  # English pages only: usr/share/man/manN, not usr/share/man/LANG/manN.
  if [ -d "$WORK/x/$name/usr/share/man" ]; then
    find "$WORK/x/$name/usr/share/man" -mindepth 2 -maxdepth 2 -path '*/man[1-8]/*' -type f \
      -exec cp -t "$WORK/pages/$name" {} +
  fi
  printf '%s\t%s\n' "$name" "$(dpkg-deb -f "$deb" Version)" >>"$WORK/versions.tsv"
done
sort -o "$WORK/versions.tsv" "$WORK/versions.tsv"
say "counting words"
(cd "$ROOT" && DOCUVAULT_TECHBG_DIR="$WORK/pages" DOCUVAULT_TECHBG_OUT="$WORK/out.tsv.gz" \
  go test -count=1 -tags classifybg ./pkg/classify/ -run '^TestMakeTechBackground$' -v | grep -E 'wrote|FAIL|---' >&2) ||
  die "counting failed"
{
  gzip -dc "$WORK/out.tsv.gz" | sed -n '1,3p'
  printf '# Versions: %s\n' "$(awk -F'\t' '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}' "$WORK/versions.tsv")"
  gzip -dc "$WORK/out.tsv.gz" | sed '1,3d'
} | gzip -9n >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
say "wrote $OUT ($(wc -c <"$OUT") bytes)"
