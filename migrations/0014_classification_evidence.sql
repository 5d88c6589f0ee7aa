-- Why a document was filed, what it might be filed under, and topics that
-- only a person (or a match rule) assigns (issue 19).
--
-- document_topics.evidence: the few words or the passage that decided an
-- automatic assignment, a JSON array of strings (the builtin classifier's
-- top contributing words, a match rule's match, an LLM's short reason);
-- NULL for a person's choice.
-- documents.candidates: the classifier's best topics for the document when
-- it was classified, at most three, best first, as a JSON array of
-- {"topic_id", "score", "evidence"}; what an unfiled document (classified,
-- no topic) shows as one-click choices. NULL before classification.
-- topics.auto_assign: false for a topic no classifier assigns or proposes;
-- a person files documents there, and so does its match rule.

-- +migrate Up
ALTER TABLE document_topics ADD COLUMN evidence jsonb;
ALTER TABLE documents ADD COLUMN candidates jsonb;
ALTER TABLE topics ADD COLUMN auto_assign boolean NOT NULL DEFAULT true;

-- +migrate Down
ALTER TABLE topics DROP COLUMN auto_assign;
ALTER TABLE documents DROP COLUMN candidates;
ALTER TABLE document_topics DROP COLUMN evidence;
