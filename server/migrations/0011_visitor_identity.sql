-- Visitors without an Iranian national code (contract 1.6.0, docs/identity.md): a case names
-- its applicant by the national code, or by the foreign nationals' identifier or a passport
-- number with its ISO 3166-1 alpha-3 country. `id_kind` says which; exactly that one is set.
-- Every case so far named a national code.
ALTER TABLE cases ALTER COLUMN national_code DROP NOT NULL;
ALTER TABLE cases ADD COLUMN id_kind text NOT NULL DEFAULT 'national_code'
    CHECK (id_kind IN ('national_code', 'foreign_id', 'passport'));
ALTER TABLE cases ADD COLUMN identifier text
    CHECK (identifier ~ '^[0-9]{12}$' OR identifier ~ '^[A-Z0-9]{6,9}$');
ALTER TABLE cases ADD COLUMN passport_country char(3) CHECK (passport_country ~ '^[A-Z]{3}$');
ALTER TABLE cases ADD CONSTRAINT cases_one_identifier CHECK (
    (national_code IS NOT NULL) = (id_kind = 'national_code')
    AND (identifier IS NOT NULL) = (id_kind <> 'national_code')
    AND (passport_country IS NOT NULL) = (id_kind = 'passport'));
