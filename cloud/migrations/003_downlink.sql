-- The downlink (docs/downlink.md): one current document per hub, written by operators, pulled by the hub.
-- Runs on PostgreSQL 15 and PGlite.

CREATE TABLE hub_downlinks (
  hub_id          text PRIMARY KEY REFERENCES hubs (id),
  -- Grows by one with every PUT; the hub applies a version as a whole or not at all.
  version         integer NOT NULL CHECK (version > 0),
  body            jsonb NOT NULL,
  -- Opaque to the hub: version and a digest of the body, quoted as HTTP wants it.
  etag            text NOT NULL,
  updated_at      timestamptz NOT NULL,
  -- The API key that wrote this version.
  updated_by      text NOT NULL,
  -- What the hub last reported: the version it applied, and one it refused with the reasons.
  applied_version integer,
  applied_at      timestamptz,
  refused_version integer,
  refused_errors  jsonb,
  refused_at      timestamptz
);
