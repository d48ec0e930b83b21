-- Hash-chained audit trail (docs/audit.md). One chain per organisation: audit_heads holds each
-- chain's last seq and hash and is the row appenders lock, so concurrent appends to one chain
-- queue up and never fork it, while chains of different organisations never wait for each other.

CREATE TABLE audit_heads (
  org_id    text PRIMARY KEY,
  last_seq  bigint NOT NULL CHECK (last_seq >= 0),
  last_hash text NOT NULL CHECK (last_hash ~ '^[0-9a-f]{64}$')
);

-- No foreign keys: an audit entry outlives whatever it names.
CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      text NOT NULL,
  seq         bigint NOT NULL CHECK (seq >= 1),
  at          timestamptz NOT NULL,
  actor       jsonb NOT NULL,
  action      text NOT NULL,
  target_type text NOT NULL,
  target_id   text NOT NULL,
  detail      jsonb NOT NULL,
  prev_hash   text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash        text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  UNIQUE (org_id, seq)
);
CREATE INDEX audit_log_org_at ON audit_log (org_id, at DESC, id DESC);
