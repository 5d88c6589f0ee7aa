-- Accounts (issue 20, D15).
--
-- Handles are unique regardless of letter case: "Alice" and "alice" are one
-- account (the handle keeps the case it was created with; every lookup by
-- handle compares lower(handle)). A database that already holds handles
-- differing only in case stops this migration with an error naming them:
-- rename one of each pair (UPDATE users SET handle = … WHERE id = …) and
-- run `docuvault migrate up` again.
--
-- token_generation counts the times every session of an account was ended
-- (logout everywhere, a refresh token reused, the account disabled). Each
-- access token carries the generation it was issued in, and one from an
-- older generation is refused at once, not when it expires.
--
-- The app role's privileges on users are table-wide (docuvault grant), so
-- they cover the new column; the index needs none.

-- +migrate Up
-- +migrate StatementBegin
DO $$
DECLARE
    dups text;
BEGIN
    SELECT string_agg(handles, '; ') INTO dups FROM (
        SELECT string_agg(handle, ', ' ORDER BY handle) AS handles
        FROM users GROUP BY lower(handle) HAVING count(*) > 1
    ) d;
    IF dups IS NOT NULL THEN
        RAISE EXCEPTION 'handles that differ only in letter case: %', dups
            USING HINT = 'rename one handle of each group (UPDATE users SET handle = ... WHERE id = ...), then run docuvault migrate up again';
    END IF;
END
$$;
-- +migrate StatementEnd
CREATE UNIQUE INDEX ux_users_handle_lower ON users (lower(handle));
ALTER TABLE users ADD COLUMN token_generation bigint NOT NULL DEFAULT 0;

-- +migrate Down
ALTER TABLE users DROP COLUMN token_generation;
DROP INDEX ux_users_handle_lower;
