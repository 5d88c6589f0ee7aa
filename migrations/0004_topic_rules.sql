-- Topic match rules, as paperless-ngx has them: a topic may name words or a
-- pattern that, when found in a document, always assigns the topic.

-- +migrate Up
ALTER TABLE topics ADD COLUMN match text NOT NULL DEFAULT '';
ALTER TABLE topics ADD COLUMN matching_algorithm varchar NOT NULL DEFAULT 'none';
ALTER TABLE topics ADD CONSTRAINT topics_matching_algorithm_check
    CHECK (matching_algorithm IN ('none', 'any', 'all', 'literal', 'regex', 'fuzzy'));
ALTER TABLE topics ADD COLUMN is_insensitive boolean NOT NULL DEFAULT true;

-- +migrate Down
ALTER TABLE topics DROP COLUMN is_insensitive;
ALTER TABLE topics DROP CONSTRAINT topics_matching_algorithm_check;
ALTER TABLE topics DROP COLUMN matching_algorithm;
ALTER TABLE topics DROP COLUMN match;
