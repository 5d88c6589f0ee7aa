-- Saved views (issue 21, item 6): a filter of the documents list with a
-- name, pinned to the web app's sidebar and usable as "doc list --view".
--
-- A view belongs to one user; its name is unique per user whatever its
-- case (the unique index is on lower(name)). filter is a JSON object of the
-- documents list's filter keys (status, topic, folder, content_type,
-- date_from, date_to, sort): pkg/views checks keys and values, the table
-- only that it is an object. A topic or folder named in it may be deleted
-- later: the view stays, and pkg/views says what it no longer narrows by.
-- position orders a user's views in the sidebar (0 first).
--
-- The app role's privileges come from docuvault grant's default privileges
-- (and its GRANT ... ON ALL TABLES when run again).

-- +migrate Up
CREATE TABLE saved_views (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text NOT NULL,
    filter     jsonb NOT NULL DEFAULT '{}'::jsonb,
    position   integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT saved_views_filter_object CHECK (jsonb_typeof(filter) = 'object'),
    CONSTRAINT saved_views_position_check CHECK (position >= 0)
);
CREATE UNIQUE INDEX saved_views_user_lower_name_key ON saved_views (user_id, lower(name));
CREATE INDEX ix_saved_views_user_position ON saved_views (user_id, position, created_at);

-- +migrate Down
DROP TABLE saved_views;
