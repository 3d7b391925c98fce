-- The agency console (issue 20): where each kiosk stands (office → county → province), the
-- console's accounts scoped to one of those levels (or the whole agency), their login tries,
-- sessions and an audit log of every change.

-- Counties and the province each belongs to: the least that places an office. A province has
-- no row of its own; it is the name its counties share.
CREATE TABLE counties (
    name     text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 100),
    province text NOT NULL CHECK (length(province) BETWEEN 1 AND 100)
);
CREATE INDEX counties_by_province ON counties (province);

CREATE TABLE offices (
    name   text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 100),
    county text NOT NULL REFERENCES counties (name)
);
CREATE INDEX offices_by_county ON offices (county);

-- The office a kiosk number serves in (a replaced device keeps its kiosk number, so its place).
CREATE TABLE office_kiosks (
    kiosk_number integer PRIMARY KEY CHECK (kiosk_number BETWEEN 1 AND 99999),
    office       text NOT NULL REFERENCES offices (name)
);
CREATE INDEX office_kiosks_by_office ON office_kiosks (office);

-- Console accounts: a scope level and the name of the office, county or province it covers
-- (none for the agency). Passwords only as argon2id PHC strings.
CREATE TABLE console_accounts (
    account_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    scope_level   text NOT NULL CHECK (scope_level IN ('office', 'county', 'province', 'agency')),
    scope_name    text CHECK (length(scope_name) BETWEEN 1 AND 100),
    password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz,
    CHECK ((scope_level = 'agency') = (scope_name IS NULL))
);

-- Every password try, so that at most 20 in any hour are checked per account (the lockout),
-- across every server instance.
CREATE TABLE console_login_tries (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES console_accounts (account_id),
    at         timestamptz NOT NULL DEFAULT now(),
    outcome    text NOT NULL CHECK (outcome IN ('checking', 'ok', 'wrong'))
);
CREATE INDEX console_login_tries_by_account ON console_login_tries (account_id, at);

-- Sessions: only the SHA-256 of the cookie's token is kept; the CSRF token every form of the
-- session carries is kept as it is (it is no credential on its own).
CREATE TABLE console_sessions (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id bigint NOT NULL REFERENCES console_accounts (account_id),
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX console_sessions_by_account ON console_sessions (account_id);

-- Every change made through the console or the command line, and every login and logout.
CREATE TABLE console_audit (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     timestamptz NOT NULL DEFAULT now(),
    actor  text NOT NULL,
    action text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX console_audit_by_time ON console_audit (at);
