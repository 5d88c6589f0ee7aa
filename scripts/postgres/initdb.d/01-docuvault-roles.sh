#!/usr/bin/env bash
# Provisions DocuVault's two PostgreSQL roles and its database (seed D-13, D-14).
# Run as a superuser: by the postgres image from /docker-entrypoint-initdb.d on a
# fresh volume, and by scripts/services.sh for the dev services. Idempotent:
# running it again only resets the passwords to the ones given.
#
#   docuvault_migrate  owns the database and its schema; DDL; migrate and grant only
#   docuvault_app      LOGIN and CONNECT only; `docuvault grant` gives it DML
#
# Environment: DOCUVAULT_MIGRATE_PASSWORD and DOCUVAULT_APP_PASSWORD (required),
# POSTGRES_DB (default docuvault), POSTGRES_USER (default postgres); libpq's
# PGHOST/PGPORT say where the server is.
set -euo pipefail
: "${DOCUVAULT_MIGRATE_PASSWORD:?set DOCUVAULT_MIGRATE_PASSWORD}"
: "${DOCUVAULT_APP_PASSWORD:?set DOCUVAULT_APP_PASSWORD}"
db="${POSTGRES_DB:-docuvault}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v db="$db" -v migrate_pw="$DOCUVAULT_MIGRATE_PASSWORD" -v app_pw="$DOCUVAULT_APP_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE docuvault_migrate' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'docuvault_migrate')\gexec
SELECT format('ALTER ROLE docuvault_migrate WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'migrate_pw')\gexec
SELECT 'CREATE ROLE docuvault_app' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'docuvault_app')\gexec
SELECT format('ALTER ROLE docuvault_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'app_pw')\gexec
SELECT format('CREATE DATABASE %I OWNER docuvault_migrate', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SELECT format('ALTER DATABASE %I OWNER TO docuvault_migrate', :'db')\gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db')\gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO docuvault_app', :'db')\gexec
SQL

# The schema public belongs to the database owner (PostgreSQL 15+), so
# docuvault_migrate may create in it; nobody else may.
psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" --dbname "$db" <<'SQL'
ALTER SCHEMA public OWNER TO docuvault_migrate;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
