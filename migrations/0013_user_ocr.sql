-- A person's own choice of which PDF pages OCR reads (issue 18): auto,
-- always or never; NULL is the deployment's DOCUVAULT_OCR.

-- +migrate Up
ALTER TABLE users ADD COLUMN ocr varchar;
ALTER TABLE users ADD CONSTRAINT users_ocr_check CHECK (ocr IS NULL OR ocr IN ('auto', 'always', 'never'));

-- +migrate Down
ALTER TABLE users DROP CONSTRAINT users_ocr_check;
ALTER TABLE users DROP COLUMN ocr;
