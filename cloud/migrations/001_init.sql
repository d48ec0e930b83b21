-- Relay schema v1. Runs on PostgreSQL 15 and PGlite (PostgreSQL 18): no uuidv7(), no MERGE ... RETURNING.

CREATE TABLE orgs (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('nursing-home', 'hospital', 'pharmacy')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hubs (
  id           text PRIMARY KEY,
  org_id       text NOT NULL REFERENCES orgs (id),
  token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  -- Highest seq such that every seq 1..acked_seq of this hub is stored (docs/architecture.md#the-seams, hub to relay).
  acked_seq    bigint NOT NULL DEFAULT 0,
  last_seen_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id         text PRIMARY KEY,
  org_id     text NOT NULL REFERENCES orgs (id),
  role       text NOT NULL CHECK (role IN ('operator', 'clinician', 'pharmacy', 'admin')),
  key_sha256 text NOT NULL UNIQUE CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
  id          uuid PRIMARY KEY,
  hub_id      text NOT NULL REFERENCES hubs (id),
  seq         bigint NOT NULL,
  kind        text NOT NULL,
  hub_time    timestamptz NOT NULL,
  device_time timestamptz,
  device_id   text,
  room_id     text,
  resident_id text,
  payload     jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  -- Exactly-once by (hub, seq) as well as by id (promise 2, docs/architecture.md#promises); also serves the contiguity scan.
  UNIQUE (hub_id, seq)
);

CREATE TABLE alarms (
  id              uuid PRIMARY KEY,
  org_id          text NOT NULL REFERENCES orgs (id),
  hub_id          text NOT NULL REFERENCES hubs (id),
  key             text NOT NULL,
  type            text NOT NULL,
  priority        text NOT NULL,
  state           text NOT NULL,
  room_id         text,
  device_id       text,
  resident_id     text,
  reason          text NOT NULL,
  raised_at       timestamptz NOT NULL,
  acknowledged_at timestamptz,
  resolved_at     timestamptz,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX alarms_org_raised ON alarms (org_id, raised_at DESC);

-- No foreign key to alarms: an update may arrive before its alarm when the hub's batches
-- have a gap; the alarm row is recomputed from these rows whenever either arrives.
CREATE TABLE alarm_transitions (
  event_id uuid PRIMARY KEY REFERENCES events (id),
  alarm_id uuid NOT NULL,
  hub_id   text NOT NULL,
  seq      bigint NOT NULL,
  state    text NOT NULL,
  at       timestamptz NOT NULL,
  by       jsonb NOT NULL
);
CREATE INDEX alarm_transitions_alarm ON alarm_transitions (alarm_id, seq);
