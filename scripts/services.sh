#!/usr/bin/env bash
# Real PostgreSQL, Redis and MinIO for development and tests, on loopback
# ports of this checkout, with their data under .dev/ (git-ignored); and,
# for the tests, a WebDAV server (rclone serve webdav) that the cloud
# connections import from and Dovecot (IMAP) for e-mail ingestion.
#
#   scripts/services.sh up      install what is missing, start, provision; writes .dev/env
#   scripts/services.sh status  say what runs where
#   scripts/services.sh down    stop them all (data is kept; rm -rf .dev to forget it)
#   scripts/services.sh tools   install what only the tests need: Chromium for the web
#                               app's tests, and the tools tests/ship checks the release
#                               with (Debian's docker-compose, ShellCheck, systemd; GoReleaser)
#
# After `up`, `source .dev/env` makes every docuvault command work (it also puts
# .dev/bin, where `up` builds docuvault, on PATH). No container engine needed:
# PostgreSQL and Redis (and pdftotext, tesseract for text extraction) come
# from Debian packages, MinIO is built from source
# with `go install` once (about 5 minutes) and cached in
# ${XDG_CACHE_HOME:-~/.cache}/docuvault/tools, then linked into .dev/tools.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEV="$ROOT/.dev"
MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
GORELEASER_MODULE=github.com/goreleaser/goreleaser/v2
GORELEASER_VERSION=v2.15.1
CYCLONEDX_MODULE=github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod
CYCLONEDX_VERSION=v1.10.0
# Dex (Apache-2.0), the OpenID Connect provider the single sign-on tests
# start on loopback; v2.41.1. Its go.mod has replace directives, so it is
# built from the module's source (dex_build), not with `go install`.
DEX_MODULE=github.com/dexidp/dex
DEX_VERSION=v0.0.0-20240807174518-43956db7fd75
DEX_API_VERSION=v2.1.1-0.20240807174518-43956db7fd75
TOOLS_CACHE="${DOCUVAULT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/docuvault/tools}"

say() { printf 'services: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
# apt-get waits up to 10 minutes for another apt or dpkg (a second checkout's
# services.sh, unattended upgrades) to let go of its locks instead of failing:
# dpkg's lock through DPkg::Lock::Timeout, the package lists' lock (which
# `apt-get update` does not wait for) by trying again.
apt_get() { as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"; }
apt_update() {
  local err
  for _ in $(seq 60); do
    if err=$(apt_get update -qq 2>&1 >/dev/null); then return 0; fi
    case $err in *"Could not get lock"*) sleep 10 ;; *) printf '%s\n' "$err" >&2; return 1 ;; esac
  done
  printf '%s\n' "$err" >&2
  return 1
}
apt_install() {
  if [ -z "$apt_updated" ]; then apt_update; apt_updated=1; fi
  say "installing $* from Debian"
  apt_get install -y -qq --no-install-recommends "$@" >/dev/null
}

rand() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() { # pick_port BASE: BASE or the next free port after it
  local p=$1
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}

# ---------------------------------------------------------------- settings
# Ports and secrets are chosen on the first `up` and kept in .dev/state.
load_state() {
  mkdir -p "$DEV"
  chmod 755 "$DEV"
  local off=$(( $(printf %s "$ROOT" | cksum | cut -d' ' -f1) % 400 ))
  if [ -f "$DEV/state" ]; then
    # shellcheck disable=SC1091
    . "$DEV/state"
    if [ -z "${WEBDAV_PORT:-}" ]; then
      # A state file from before the WebDAV server: add its settings.
      WEBDAV_PORT=$(pick_port $((29000 + off)))
      WEBDAV_PASSWORD=$(rand)
      umask 077
      printf 'WEBDAV_PORT=%s\nWEBDAV_PASSWORD=%s\n' "$WEBDAV_PORT" "$WEBDAV_PASSWORD" >>"$DEV/state"
      umask 022
    fi
    return
  fi
  PG_PORT=$(pick_port $((25000 + off)))
  REDIS_PORT=$(pick_port $((26000 + off)))
  MINIO_PORT=$(pick_port $((27000 + off)))
  WEBDAV_PORT=$(pick_port $((29000 + off)))
  WEBDAV_PASSWORD=$(rand)
  IMAP_PORT=$(pick_port $((28000 + off)))
  IMAPS_PORT=$(pick_port $((IMAP_PORT + 400)))
  PG_SUPER_PASSWORD=$(rand)
  PG_MIGRATE_PASSWORD=$(rand)
  PG_APP_PASSWORD=$(rand)
  REDIS_PASSWORD=$(rand)
  MINIO_ROOT_PASSWORD=$(rand)
  MINIO_SECRET_KEY=$(rand)
  SECRET_KEY=$(rand)$(rand)
  IMAP_PASSWORD=$(rand)
  IMAP_PASSWORD2=$(rand)
  umask 077
  cat >"$DEV/state" <<STATE
PG_PORT=$PG_PORT
REDIS_PORT=$REDIS_PORT
MINIO_PORT=$MINIO_PORT
IMAP_PORT=$IMAP_PORT
IMAPS_PORT=$IMAPS_PORT
PG_SUPER_PASSWORD=$PG_SUPER_PASSWORD
PG_MIGRATE_PASSWORD=$PG_MIGRATE_PASSWORD
PG_APP_PASSWORD=$PG_APP_PASSWORD
REDIS_PASSWORD=$REDIS_PASSWORD
MINIO_ROOT_PASSWORD=$MINIO_ROOT_PASSWORD
MINIO_SECRET_KEY=$MINIO_SECRET_KEY
SECRET_KEY=$SECRET_KEY
WEBDAV_PORT=$WEBDAV_PORT
WEBDAV_PASSWORD=$WEBDAV_PASSWORD
IMAP_PASSWORD=$IMAP_PASSWORD
IMAP_PASSWORD2=$IMAP_PASSWORD2
STATE
  umask 022
}

# A .dev/state from before Dovecot came has no IMAP ports: pick them now.
imap_state() {
  [ -n "${IMAP_PORT:-}" ] && [ -n "${IMAPS_PORT:-}" ] && return 0
  local off=$(( $(printf %s "$ROOT" | cksum | cut -d' ' -f1) % 400 ))
  IMAP_PORT=$(pick_port $((28000 + off)))
  IMAPS_PORT=$(pick_port $((IMAP_PORT + 400)))
  printf 'IMAP_PORT=%s\nIMAPS_PORT=%s\n' "$IMAP_PORT" "$IMAPS_PORT" >>"$DEV/state"
}
imap_users() {
  IMAP_USER=mailtest
  IMAP_USER2=mailtest2
  if [ -z "${IMAP_PASSWORD:-}" ]; then
    IMAP_PASSWORD=$(rand); IMAP_PASSWORD2=$(rand)
    printf 'IMAP_PASSWORD=%s\nIMAP_PASSWORD2=%s\n' "$IMAP_PASSWORD" "$IMAP_PASSWORD2" >>"$DEV/state"
  fi
}

# ---------------------------------------------------------------- PostgreSQL
pg_bin() {
  local d
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

# PostgreSQL refuses to run as root: its files belong to the postgres user. When
# that user cannot reach this checkout, the data lives in /var/tmp instead.
pg_dir() {
  if runuser -u postgres -- test -x "$DEV" 2>/dev/null; then
    echo "$DEV/postgres"
  else
    echo "/var/tmp/docuvault-$(printf %s "$ROOT" | cksum | cut -d' ' -f1)/postgres"
  fi
}

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

pg_running() { [ -n "${PGBIN:-}" ] && as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; }

pg_up() {
  PGBIN=$(pg_bin) || true
  if [ -z "$PGBIN" ]; then apt_install postgresql postgresql-contrib; PGBIN=$(pg_bin); fi
  id postgres >/dev/null 2>&1 || die "PostgreSQL is installed but there is no postgres user"
  PGDIR=$(pg_dir)
  if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
    say "creating a PostgreSQL cluster in $PGDIR"
    mkdir -p "$PGDIR"
    chown postgres: "$PGDIR"
    local pwfile; pwfile=$(mktemp); printf '%s\n' "$PG_SUPER_PASSWORD" >"$pwfile"; chown postgres "$pwfile"
    as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --pwfile="$pwfile" -E UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    as_pg mkdir -p "$PGDIR/run"
  fi
  if ! pg_running; then
    as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -k $PGDIR/run -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null || die "PostgreSQL did not start: see $PGDIR/postgres.log"
  fi
  as_pg env PGHOST="$PGDIR/run" PGPORT="$PG_PORT" POSTGRES_USER=postgres POSTGRES_DB=docuvault \
      DOCUVAULT_MIGRATE_PASSWORD="$PG_MIGRATE_PASSWORD" DOCUVAULT_APP_PASSWORD="$PG_APP_PASSWORD" \
      bash "$ROOT/scripts/postgres/initdb.d/01-docuvault-roles.sh"
  say "postgres  127.0.0.1:$PG_PORT (data $PGDIR/data)"
}

pg_down() {
  PGBIN=$(pg_bin) || return 0
  PGDIR=$(pg_dir)
  if pg_running; then as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null; say "postgres stopped"; fi
}

# ---------------------------------------------------------------- Redis
# pid_of FILE: the pid in FILE, silently nothing when the file is gone (a
# stopping server removes its own: testing for it first was a race).
pid_of() { cat "$1" 2>/dev/null || true; }
running() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

redis_running() { running "$DEV/redis/redis.pid"; }

redis_up() {
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p "$DEV/redis"
  if ! redis_running; then
    # The password goes in a config file, not on the command line (ps shows that).
    umask 077
    printf 'requirepass %s\n' "$REDIS_PASSWORD" >"$DEV/redis/redis.conf"
    umask 022
    redis-server "$DEV/redis/redis.conf" --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
      --pidfile "$DEV/redis/redis.pid" --dir "$DEV/redis" --logfile "$DEV/redis/redis.log" \
      --save "" --appendonly no >/dev/null
    for _ in $(seq 50); do redis_running && ! port_free "$REDIS_PORT" && break; sleep 0.1; done
    redis_running || die "Redis did not start: see $DEV/redis/redis.log"
  fi
  say "redis     127.0.0.1:$REDIS_PORT"
}

redis_down() {
  local pid; pid=$(pid_of "$DEV/redis/redis.pid")
  if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do redis_running || break; sleep 0.1; done
    say "redis stopped"
  fi
}

# ---------------------------------------------------------------- MinIO
minio_bin() { echo "$TOOLS_CACHE/minio-$MINIO_VERSION/minio"; }

minio_running() { running "$DEV/minio/minio.pid"; }

# go_install_once BIN MODULE@VERSION WHAT: builds BIN with `go install` once
# per machine. Checkouts building it at once wait for each other (a lock in
# the cache), and the binary appears under its name only when whole (built
# into a temporary directory, then renamed).
go_install_once() {
  local bin=$1 mod=$2 what=$3 tmp
  [ -x "$bin" ] && return 0
  command -v go >/dev/null || die "go is needed to build $mod"
  mkdir -p "$(dirname "$bin")"
  exec 8>"$(dirname "$bin").lock"
  flock -n 8 || { say "another checkout is building ${mod%@*}: waiting for it"; flock 8; }
  if [ ! -x "$bin" ]; then
    say "building $mod from source ($what, once)"
    tmp=$(mktemp -d "$(dirname "$bin")/.build-XXXXXX")
    GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "$mod" || { rm -rf "$tmp"; exec 8>&-; die "go install $mod failed"; }
    mv -f "$tmp/$(basename "$bin")" "$bin"
    rm -rf "$tmp"
  fi
  exec 8>&-
}

minio_up() {
  local bin; bin=$(minio_bin)
  go_install_once "$bin" "$MINIO_MODULE@$MINIO_VERSION" "about 5 minutes"
  mkdir -p "$DEV/tools/bin" "$DEV/minio/data"
  ln -sf "$bin" "$DEV/tools/bin/minio"
  if ! minio_running; then
    MINIO_ROOT_USER=docuvault-root MINIO_ROOT_PASSWORD="$MINIO_ROOT_PASSWORD" MINIO_BROWSER=off \
      setsid "$bin" server --quiet --address "127.0.0.1:$MINIO_PORT" "$DEV/minio/data" \
      >"$DEV/minio/minio.log" 2>&1 </dev/null &
    echo $! >"$DEV/minio/minio.pid"
    for _ in $(seq 300); do
      curl -fsS -o /dev/null "http://127.0.0.1:$MINIO_PORT/minio/health/live" 2>/dev/null && break
      minio_running || die "MinIO exited: see $DEV/minio/minio.log"
      sleep 0.1
    done
    curl -fsS -o /dev/null "http://127.0.0.1:$MINIO_PORT/minio/health/live" || die "MinIO did not answer: see $DEV/minio/minio.log"
  fi
  say "minio     127.0.0.1:$MINIO_PORT (data $DEV/minio/data)"
}

minio_down() {
  local pid; pid=$(pid_of "$DEV/minio/minio.pid")
  if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
    for _ in $(seq 100); do minio_running || break; sleep 0.1; done
    say "minio stopped"
  fi
}

# ---------------------------------------------------------------- WebDAV
# A real WebDAV server for the cloud connections' tests: Debian's rclone
# serving .dev/webdav/data with basic auth (user docuvault-dav). The
# credentials reach rclone through its environment (RCLONE_USER,
# RCLONE_PASS), not its command line, which ps shows.
webdav_running() { running "$DEV/webdav/webdav.pid"; }

webdav_up() {
  command -v rclone >/dev/null || apt_install rclone
  mkdir -p "$DEV/webdav/data"
  if ! webdav_running; then
    port_free "$WEBDAV_PORT" || die "port $WEBDAV_PORT (WebDAV) is taken by another program: stop it, or remove WEBDAV_PORT from $DEV/state to pick another"
    RCLONE_USER=docuvault-dav RCLONE_PASS="$WEBDAV_PASSWORD" RCLONE_CONFIG=/dev/null \
      setsid rclone serve webdav --addr "127.0.0.1:$WEBDAV_PORT" "$DEV/webdav/data" \
      >"$DEV/webdav/webdav.log" 2>&1 </dev/null &
    echo $! >"$DEV/webdav/webdav.pid"
    for _ in $(seq 100); do
      [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEBDAV_PORT/" 2>/dev/null)" = 401 ] && break
      webdav_running || die "the WebDAV server (rclone) exited: see $DEV/webdav/webdav.log"
      sleep 0.1
    done
    [ "$(curl -s -o /dev/null -w '%{http_code}' -u "docuvault-dav:$WEBDAV_PASSWORD" -X PROPFIND -H 'Depth: 0' "http://127.0.0.1:$WEBDAV_PORT/")" = 207 ] ||
      die "the WebDAV server did not answer PROPFIND with 207: see $DEV/webdav/webdav.log"
  fi
  say "webdav    127.0.0.1:$WEBDAV_PORT (data $DEV/webdav/data)"
}

webdav_down() {
  local pid; pid=$(pid_of "$DEV/webdav/webdav.pid")
  if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do webdav_running || break; sleep 0.1; done
    rm -f "$DEV/webdav/webdav.pid"
    say "webdav stopped"
  fi
}

# ---------------------------------------------------------------- Dovecot
# Debian's dovecot-imapd, for pkg/mail's and tests/cli's e-mail tests: an
# IMAP server on 127.0.0.1:$IMAP_PORT (plain, and STARTTLS) and
# 127.0.0.1:$IMAPS_PORT (implicit TLS), with its own dovecot.conf, runtime
# directory, log and maildirs under .dev/dovecot, a self-signed certificate
# (for 127.0.0.1 and localhost; the tests trust it) and two test users in a
# passwd-file (DOCUVAULT_TEST_IMAP_USER/_PASSWORD and _USER2/_PASSWORD2 in
# .dev/env). Dovecot's master process needs root here (it binds, then
# drops privileges): its login processes run as Debian's dovenull, the
# mail processes as Debian's dovecot user, which owns the maildirs. When
# that user cannot reach this checkout the maildirs live in /var/tmp, as
# PostgreSQL's data does. The tests put messages in through IMAP APPEND.
dovecot_dir() { echo "$DEV/dovecot"; }
dovecot_mail_dir() {
  if runuser -u dovecot -- test -x "$DEV" 2>/dev/null; then
    echo "$DEV/dovecot/mail"
  else
    echo "/var/tmp/docuvault-$(printf %s "$ROOT" | cksum | cut -d' ' -f1)/dovecot-mail"
  fi
}
dovecot_running() { running "$(dovecot_dir)/run/master.pid"; }

dovecot_up() {
  local dir mail uid gid
  if [ ! -x /usr/sbin/dovecot ] || [ ! -x /usr/lib/dovecot/imap ]; then apt_install dovecot-imapd; fi
  [ -x /usr/sbin/dovecot ] || die "dovecot-imapd is installed but /usr/sbin/dovecot is missing"
  id dovecot >/dev/null 2>&1 || die "Dovecot is installed but there is no dovecot user"
  id dovenull >/dev/null 2>&1 || die "Dovecot is installed but there is no dovenull user"
  [ "$(id -u)" -eq 0 ] || die "Dovecot's master process must start as root (run services.sh as root, or with sudo)"
  dir=$(dovecot_dir); mail=$(dovecot_mail_dir)
  uid=$(id -u dovecot); gid=$(id -g dovecot)
  mkdir -p "$dir/run" "$dir/ssl" "$mail"
  chown dovecot: "$mail"
  if [ ! -s "$dir/ssl/cert.pem" ] || [ ! -s "$dir/ssl/key.pem" ]; then
    command -v openssl >/dev/null || apt_install openssl
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$dir/ssl/key.pem" -out "$dir/ssl/cert.pem" >/dev/null 2>&1 \
      || die "openssl could not make Dovecot's test certificate"
    chmod 600 "$dir/ssl/key.pem"
  fi
  umask 077
  printf '%s:{PLAIN}%s:%s:%s::%s/%s\n' \
    "$IMAP_USER" "$IMAP_PASSWORD" "$uid" "$gid" "$mail" "$IMAP_USER" \
    "$IMAP_USER2" "$IMAP_PASSWORD2" "$uid" "$gid" "$mail" "$IMAP_USER2" >"$dir/users"
  chown root:dovecot "$dir/users"; chmod 640 "$dir/users"
  cat >"$dir/dovecot.conf" <<CONF
# Written by scripts/services.sh: this checkout's test IMAP server.
base_dir = $dir/run
instance_name = docuvault-$(printf %s "$ROOT" | cksum | cut -d' ' -f1)
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = $uid
last_valid_uid = $uid
ssl = yes
ssl_cert = <$dir/ssl/cert.pem
ssl_key = <$dir/ssl/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_max_userip_connections = 100
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dir/users
}
userdb {
  driver = passwd-file
  args = $dir/users
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
  chroot =
}
service anvil {
  chroot =
}
CONF
  umask 022
  mkdir -p "$dir/state"
  if ! dovecot_running; then
    # Its own output to a file: the daemon keeps what it was given open,
    # and a pipe (services.sh up | tail, CI's log) would never end.
    /usr/sbin/dovecot -c "$dir/dovecot.conf" </dev/null >"$dir/start.log" 2>&1 \
      || die "Dovecot did not start: $(tr '\n' ' ' <"$dir/start.log")(see $dir/dovecot.log)"
    for _ in $(seq 100); do ! port_free "$IMAP_PORT" && ! port_free "$IMAPS_PORT" && break; sleep 0.1; done
    port_free "$IMAP_PORT" && die "Dovecot does not listen on 127.0.0.1:$IMAP_PORT: see $dir/dovecot.log"
  else
    /usr/sbin/dovecot -c "$dir/dovecot.conf" reload </dev/null >/dev/null 2>&1 || true
  fi
  say "dovecot   127.0.0.1:$IMAP_PORT (STARTTLS), 127.0.0.1:$IMAPS_PORT (TLS) (mail $mail)"
}

dovecot_down() {
  local dir; dir=$(dovecot_dir)
  [ -f "$dir/dovecot.conf" ] || return 0
  if dovecot_running; then
    /usr/sbin/dovecot -c "$dir/dovecot.conf" stop </dev/null >/dev/null 2>&1 || kill "$(pid_of "$dir/run/master.pid")" 2>/dev/null || true
    for _ in $(seq 50); do dovecot_running || break; sleep 0.1; done
    say "dovecot stopped"
  fi
}

# ---------------------------------------------------------------- extraction tools
# pdftotext, pdftoppm and pdfimages (poppler-utils), tesseract with its
# orientation model (osd) and the language packs of DOCUVAULT_OCR_LANGUAGES
# (default eng; e.g. eng+deu+fra), qpdf (the searchable copies of scans)
# and util-linux's prlimit (limits on those programs) make text extraction
# its best; the worker works without them, and its tests cover both ways.
tools_up() {
  local missing=() lang
  command -v pdftotext >/dev/null || missing+=(poppler-utils)
  command -v tesseract >/dev/null || missing+=(tesseract-ocr)
  command -v qpdf >/dev/null || missing+=(qpdf)
  command -v prlimit >/dev/null || missing+=(util-linux)
  for lang in osd $(tr '+' ' ' <<<"${DOCUVAULT_OCR_LANGUAGES:-eng}"); do
    [[ "$lang" =~ ^[a-z][a-z_]+$ ]] || die "DOCUVAULT_OCR_LANGUAGES: '$lang' is not a tesseract language (like eng or chi_sim)"
    ocr_pack_installed "$lang" || missing+=("tesseract-ocr-${lang//_/-}")
  done
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# ocr_pack_installed LANG: tesseract has LANG.traineddata.
ocr_pack_installed() {
  compgen -G "/usr/share/tesseract-ocr/*/tessdata/$1.traineddata" >/dev/null
}

# ---------------------------------------------------------------- browser
# Debian's Chromium (and ChromeDriver) for the web app's end-to-end tests
# (tests/web), driven by playwright-core from web/node_modules; never a
# browser downloaded by a test tool.
browser_up() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# ---------------------------------------------------------------- release tools
# For tests/ship, not for running DocuVault: shellcheck; docker-compose, which
# validates docker-compose.yml without a container engine; systemd-analyze,
# which checks the units in docs/operations.md; GoReleaser, built
# from source with `go install` once (about 7 minutes on two cores), cached
# like MinIO and linked into .dev/tools/bin.
goreleaser_bin() { echo "$TOOLS_CACHE/goreleaser-$GORELEASER_VERSION/goreleaser"; }
# cyclonedx-gomod (Apache-2.0) writes the release's SBOMs (.goreleaser.yaml).
cyclonedx_bin() { echo "$TOOLS_CACHE/cyclonedx-gomod-$CYCLONEDX_VERSION/cyclonedx-gomod"; }

release_tools_up() {
  local missing=() bin
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v systemd-analyze >/dev/null || missing+=(systemd)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  bin=$(goreleaser_bin)
  go_install_once "$bin" "$GORELEASER_MODULE@$GORELEASER_VERSION" "about 7 minutes on two cores"
  mkdir -p "$DEV/tools/bin"
  ln -sf "$bin" "$DEV/tools/bin/goreleaser"
  bin=$(cyclonedx_bin)
  go_install_once "$bin" "$CYCLONEDX_MODULE@$CYCLONEDX_VERSION" "about a minute"
  ln -sf "$bin" "$DEV/tools/bin/cyclonedx-gomod"
  say "tools     shellcheck, docker-compose, systemd-analyze, goreleaser $GORELEASER_VERSION, cyclonedx-gomod $CYCLONEDX_VERSION"
}

# ---------------------------------------------------------------- Dex
# For the single sign-on tests (pkg/oidc, tests/web): Dex, built once per
# machine from its module source (about 2 minutes on two cores) and cached
# like MinIO. Its go.mod replaces github.com/dexidp/dex/api/v2 with a local
# directory, which `go install` refuses: the copy drops that replace and
# pins the api module at the same commit.
dex_bin() { echo "$TOOLS_CACHE/dex-$DEX_VERSION/dex"; }

dex_up() {
  local bin src tmp
  bin=$(dex_bin)
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || die "go is needed to build Dex"
    mkdir -p "$(dirname "$bin")"
    exec 8>"$(dirname "$bin").lock"
    flock -n 8 || { say "another checkout is building Dex: waiting for it"; flock 8; }
    if [ ! -x "$bin" ]; then
      say "building Dex $DEX_VERSION from source (about 2 minutes, once)"
      src=$(go mod download -json "$DEX_MODULE@$DEX_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
      [ -d "$src" ] || { exec 8>&-; die "go mod download $DEX_MODULE@$DEX_VERSION failed"; }
      tmp=$(mktemp -d "$(dirname "$bin")/.build-XXXXXX")
      cp -r "$src" "$tmp/src" && chmod -R u+w "$tmp/src"
      sed -i '/^replace github.com\/dexidp\/dex\/api\/v2/d' "$tmp/src/go.mod"
      sed -i "s#github.com/dexidp/dex/api/v2 v2.1.0#github.com/dexidp/dex/api/v2 $DEX_API_VERSION#" "$tmp/src/go.mod"
      (cd "$tmp/src" && GOFLAGS='-mod=mod -buildvcs=false' go build -o "$tmp/dex" ./cmd/dex) || { rm -rf "$tmp"; exec 8>&-; die "building Dex failed"; }
      mv -f "$tmp/dex" "$bin"
      rm -rf "$tmp"
    fi
    exec 8>&-
  fi
  mkdir -p "$DEV/tools/bin"
  ln -sf "$bin" "$DEV/tools/bin/dex"
  say "tools     dex $DEX_VERSION (OpenID Connect provider for the SSO tests)"
}

# ---------------------------------------------------------------- env file
write_env() {
  umask 077
  cat >"$DEV/env" <<ENV
# Written by scripts/services.sh for this checkout's dev services. source it.
export DATABASE_URL='postgres://docuvault_app:$PG_APP_PASSWORD@127.0.0.1:$PG_PORT/docuvault?sslmode=disable'
export DATABASE_MIGRATE_URL='postgres://docuvault_migrate:$PG_MIGRATE_PASSWORD@127.0.0.1:$PG_PORT/docuvault?sslmode=disable'
export MINIO_ENDPOINT='127.0.0.1:$MINIO_PORT'
export MINIO_SECURE=false
export MINIO_BUCKET=docuvault
export MINIO_ACCESS_KEY=docuvault-app
export MINIO_SECRET_KEY='$MINIO_SECRET_KEY'
export MINIO_ROOT_USER=docuvault-root
export MINIO_ROOT_PASSWORD='$MINIO_ROOT_PASSWORD'
export REDIS_URL='redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/0'
export SECRET_KEY='$SECRET_KEY'
# For tests only: a superuser, to create a scratch database per test package.
export DOCUVAULT_TEST_PG_ADMIN_URL='postgres://postgres:$PG_SUPER_PASSWORD@127.0.0.1:$PG_PORT/postgres?sslmode=disable'
export DOCUVAULT_TEST_MINIO_BIN='$(minio_bin)'
# For tests only: Dex, the OpenID Connect provider (built by \`services.sh tools\`).
export DOCUVAULT_TEST_DEX='$(dex_bin)'
# For tests only: the WebDAV server cloud connections import from.
export DOCUVAULT_TEST_WEBDAV_URL='http://127.0.0.1:$WEBDAV_PORT/'
export DOCUVAULT_TEST_WEBDAV_USER=docuvault-dav
export DOCUVAULT_TEST_WEBDAV_PASSWORD='$WEBDAV_PASSWORD'
# For tests only: this checkout's Dovecot (STARTTLS or plain on IMAP_ADDR,
# implicit TLS on IMAPS_ADDR, its self-signed certificate in IMAP_CA) and
# its two test users.
export DOCUVAULT_TEST_IMAP_ADDR='127.0.0.1:$IMAP_PORT'
export DOCUVAULT_TEST_IMAPS_ADDR='127.0.0.1:$IMAPS_PORT'
export DOCUVAULT_TEST_IMAP_CA='$(dovecot_dir)/ssl/cert.pem'
export DOCUVAULT_TEST_IMAP_USER='$IMAP_USER'
export DOCUVAULT_TEST_IMAP_PASSWORD='$IMAP_PASSWORD'
export DOCUVAULT_TEST_IMAP_USER2='$IMAP_USER2'
export DOCUVAULT_TEST_IMAP_PASSWORD2='$IMAP_PASSWORD2'
case ":\$PATH:" in *":$DEV/bin:"*) ;; *) export PATH="$DEV/bin:\$PATH" ;; esac
ENV
  umask 022
}

build_docuvault() {
  mkdir -p "$DEV/bin"
  (cd "$ROOT" && go build -o "$DEV/bin/docuvault" .)
}

# One `up` or `tools` at a time per checkout: run at once (two test runs,
# several engineers), they raced on initdb, apt and `go install`. The lock
# is held by flock(1) itself (-o: the services started do not inherit it).
serialise() {
  [ -n "${DOCUVAULT_SERVICES_LOCKED:-}" ] && return 0
  mkdir -p "$DEV"
  flock -n "$DEV/lock" true || say "another 'services.sh up' or 'tools' runs in this checkout: waiting for it"
  DOCUVAULT_SERVICES_LOCKED=1 exec flock -o "$DEV/lock" bash "${BASH_SOURCE[0]}" "$@"
}

case "${1:-}" in
  up)
    serialise "$@"
    load_state
    pg_up
    redis_up
    minio_up
    webdav_up
    imap_state; imap_users
    dovecot_up
    tools_up
    write_env
    build_docuvault
    say "ready: source .dev/env"
    ;;
  tools)
    serialise "$@"
    mkdir -p "$DEV"
    browser_up
    release_tools_up
    dex_up
    ;;
  down)
    # shellcheck disable=SC1091
    [ -f "$DEV/state" ] && . "$DEV/state"
    dovecot_down; webdav_down; minio_down; redis_down; pg_down
    ;;
  status)
    [ -f "$DEV/state" ] || { say "not set up (run: scripts/services.sh up)"; exit 1; }
    # shellcheck disable=SC1091
    . "$DEV/state"
    PGBIN=$(pg_bin) || true; PGDIR=$(pg_dir)
    rc=0
    if pg_running; then say "postgres  running on 127.0.0.1:$PG_PORT"; else say "postgres  stopped"; rc=1; fi
    if redis_running; then say "redis     running on 127.0.0.1:$REDIS_PORT"; else say "redis     stopped"; rc=1; fi
    if minio_running; then say "minio     running on 127.0.0.1:$MINIO_PORT"; else say "minio     stopped"; rc=1; fi
    if webdav_running; then say "webdav    running on 127.0.0.1:${WEBDAV_PORT:-?}"; else say "webdav    stopped"; rc=1; fi
    if dovecot_running; then say "dovecot   running on 127.0.0.1:${IMAP_PORT:-?} and ${IMAPS_PORT:-?} (TLS)"; else say "dovecot   stopped"; rc=1; fi
    exit $rc
    ;;
  *)
    echo "usage: scripts/services.sh up|down|status|tools" >&2
    exit 64
    ;;
esac
