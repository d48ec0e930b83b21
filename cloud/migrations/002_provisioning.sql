-- Provisioning: claim codes, hub credentials with rotation overlap, revocation, re-provisioning
-- epochs (docs/provisioning.md). Runs on PostgreSQL 15 and PGlite (PostgreSQL 18).

-- A hub may hold several credentials at once: during a rotation the old one stays valid until its
-- expires_at (the overlap window), so a hub that has not switched yet loses nothing.
CREATE TABLE hub_credentials (
  token_sha256 text PRIMARY KEY CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  hub_id       text NOT NULL REFERENCES hubs (id),
  source       text NOT NULL CHECK (source IN ('bootstrap', 'claim', 'rotation')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- NULL until a rotation or a re-provisioning replaces it; refused from this instant on.
  expires_at   timestamptz
);
CREATE INDEX hub_credentials_hub ON hub_credentials (hub_id);

INSERT INTO hub_credentials (token_sha256, hub_id, source, created_at)
  SELECT token_sha256, id, 'bootstrap', created_at FROM hubs;

ALTER TABLE hubs DROP COLUMN token_sha256;
-- Every credential of a revoked hub is refused (401) until an operator's claim code re-provisions it.
ALTER TABLE hubs ADD COLUMN revoked_at timestamptz;
-- Lives of the hub: 0 = created and never claimed; a claim into an empty data folder starts the next.
ALTER TABLE hubs ADD COLUMN epoch integer NOT NULL DEFAULT 1 CHECK (epoch >= 0);

-- One-time claim codes, stored as SHA-256 of the normalised code (never the code).
CREATE TABLE hub_claims (
  code_sha256 text PRIMARY KEY CHECK (code_sha256 ~ '^[0-9a-f]{64}$'),
  hub_id      text NOT NULL REFERENCES hubs (id),
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  -- A newer code for the same hub voids this one.
  replaced_at timestamptz
);
CREATE INDEX hub_claims_hub ON hub_claims (hub_id);

-- Each life after the first: where its seq starts, and what the previous life never delivered
-- (seqs missing between its contiguous ack and its highest stored seq), so a loss is on record.
CREATE TABLE hub_epochs (
  hub_id      text NOT NULL REFERENCES hubs (id),
  epoch       integer NOT NULL,
  first_seq   bigint NOT NULL CHECK (first_seq >= 1),
  started_at  timestamptz NOT NULL,
  lost_count  bigint NOT NULL DEFAULT 0,
  -- [[from, to], ...] inclusive, the first 100 gaps
  lost_ranges jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (hub_id, epoch)
);
