-- Which of a document's automatic topics its topic's match rule assigned
-- (issue 21, item 8): doc show and the web app say "filed by the match rule
-- any of “invoice receipt”" instead of "classifier". The rule itself is
-- the topic's (topics.matching_algorithm, topics.match); evidence keeps
-- what it matched. Rows from before this migration read false: they say
-- "classifier" until the document is classified again.
--
-- A constant default adds the column without rewriting the table; the app
-- role's privileges on document_topics are table-wide (docuvault grant).

-- +migrate Up
ALTER TABLE document_topics ADD COLUMN by_rule boolean NOT NULL DEFAULT false;

-- +migrate Down
ALTER TABLE document_topics DROP COLUMN by_rule;
