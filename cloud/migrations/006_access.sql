-- Organisations, roles and API keys (docs/access.md). Runs on PostgreSQL 15 and PGlite (PostgreSQL 18).

-- Roles of issue 8: operator, clinician, pharmacist, auditor. 'pharmacy' was the pharmacist's old
-- name; 'admin' did what an operator does now (create keys and hubs).
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
UPDATE api_keys SET role = CASE role WHEN 'pharmacy' THEN 'pharmacist' WHEN 'admin' THEN 'operator' ELSE role END;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('operator', 'clinician', 'pharmacist', 'auditor'));

-- A care home (or a household) was a 'nursing-home'.
ALTER TABLE orgs DROP CONSTRAINT orgs_kind_check;
UPDATE orgs SET kind = 'care-home' WHERE kind = 'nursing-home';
ALTER TABLE orgs ADD CONSTRAINT orgs_kind_check CHECK (kind IN ('care-home', 'hospital', 'pharmacy'));

-- Keys made through POST /v1/api-keys next to the bootstrap ones; a bootstrap key dropped from
-- the config and a key revoked through the API are refused from revoked_at on.
ALTER TABLE api_keys ADD COLUMN source text NOT NULL DEFAULT 'bootstrap' CHECK (source IN ('bootstrap', 'api'));
ALTER TABLE api_keys ADD COLUMN label text;
ALTER TABLE api_keys ADD COLUMN created_by text;
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE api_keys ADD COLUMN revoked_at timestamptz;
ALTER TABLE api_keys ADD COLUMN revoked_by text;
CREATE INDEX api_keys_org ON api_keys (org_id, created_at);

-- The referral hook (cloud/tenancy/context.ts canReadResident): while closed_at is NULL the
-- hospital to_org_id reads the resident's records of owner_org_id. The referral issue adds the
-- referral itself and opens/closes these rows; no foreign key to residents so this table does not
-- depend on the records migration.
CREATE TABLE referral_access (
  id           text PRIMARY KEY,
  resident_id  text NOT NULL,
  owner_org_id text NOT NULL REFERENCES orgs (id),
  to_org_id    text NOT NULL REFERENCES orgs (id),
  opened_at    timestamptz NOT NULL,
  closed_at    timestamptz,
  CHECK (owner_org_id <> to_org_id)
);
CREATE INDEX referral_access_open ON referral_access (to_org_id, resident_id) WHERE closed_at IS NULL;
