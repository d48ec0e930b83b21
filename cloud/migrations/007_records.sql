-- Records (docs/records.md): rooms, beds, residents and their identifiers, devices and their
-- bindings, care notes, observations (partitioned by month) and Idempotency-Key replies.
-- Runs on PostgreSQL 15 and PGlite. Every table carries org_id: tenancy is filtered in the repositories.
-- `version` is the ETag: every update bumps it, an If-Match naming an older one gets 412.

CREATE TABLE rooms (
  org_id     text NOT NULL REFERENCES orgs (id),
  id         text NOT NULL CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
  name       text NOT NULL,
  floor      text,
  version    integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);

CREATE TABLE beds (
  org_id     text NOT NULL,
  room_id    text NOT NULL,
  id         text NOT NULL CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
  label      text NOT NULL,
  version    integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, room_id) REFERENCES rooms (org_id, id)
);

CREATE TABLE residents (
  id          uuid PRIMARY KEY,
  org_id      text NOT NULL REFERENCES orgs (id),
  family_name text NOT NULL,
  given_name  text NOT NULL,
  birth_date  date NOT NULL,
  room_id     text,
  bed_id      text,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, room_id) REFERENCES rooms (org_id, id),
  FOREIGN KEY (org_id, bed_id) REFERENCES beds (org_id, id),
  -- Target of the (org_id, resident_id) keys below: a record can only point at its own organisation's resident.
  UNIQUE (org_id, id)
);
CREATE INDEX residents_org ON residents (org_id, family_name, given_name);
-- One resident per bed at a time.
CREATE UNIQUE INDEX residents_bed ON residents (org_id, bed_id) WHERE bed_id IS NOT NULL;

-- A hub names a resident by its own id; the relay links it through the identifier whose system is
-- 'urn:carehub:hub:<hubId>' (docs/records.md#identifiers). Other systems (NHS number, ...) live here too.
CREATE TABLE resident_identifiers (
  resident_id uuid NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
  org_id      text NOT NULL,
  system      text NOT NULL,
  value       text NOT NULL,
  PRIMARY KEY (resident_id, system),
  UNIQUE (org_id, system, value)
);

-- A device as the hub names it (events' deviceId), bound to at most one resident and one room.
CREATE TABLE devices (
  org_id      text NOT NULL REFERENCES orgs (id),
  hub_id      text NOT NULL REFERENCES hubs (id),
  id          text NOT NULL,
  kind        text NOT NULL,
  label       text,
  resident_id uuid,
  room_id     text,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (hub_id, id),
  FOREIGN KEY (org_id, room_id) REFERENCES rooms (org_id, id),
  FOREIGN KEY (org_id, resident_id) REFERENCES residents (org_id, id)
);
CREATE INDEX devices_org ON devices (org_id, hub_id, id);

CREATE TABLE care_notes (
  id          uuid PRIMARY KEY,
  org_id      text NOT NULL REFERENCES orgs (id),
  resident_id uuid NOT NULL,
  author      text NOT NULL,
  text        text NOT NULL,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, resident_id) REFERENCES residents (org_id, id)
);
CREATE INDEX care_notes_resident ON care_notes (org_id, resident_id, created_at DESC, id DESC);

-- One row per measured value. Partitioned by month of hub_time (the clinical time every query
-- filters on); the relay creates the months ahead (cloud/resources/observations/partitions.ts).
-- A reading outside the created months (a hub clock far off, an old backlog) lands in the
-- default partition, so ingest never fails on a missing month; creating that month later moves
-- its rows out of the default first.
CREATE TABLE observations (
  id              uuid NOT NULL,
  org_id          text NOT NULL,
  hub_id          text NOT NULL,
  metric          text NOT NULL,
  loinc           text,
  unit            text,
  value           double precision,
  value_code      text,
  device_id       text,
  resident_id     uuid,
  hub_resident_id text,
  entered_by      jsonb,
  hub_time        timestamptz NOT NULL,
  relay_time      timestamptz NOT NULL,
  CHECK (value IS NOT NULL OR value_code IS NOT NULL),
  -- The event id plus the metric: one staff observation event carries up to two (consciousness, oxygen).
  PRIMARY KEY (id, metric, hub_time)
) PARTITION BY RANGE (hub_time);
CREATE TABLE observations_default PARTITION OF observations DEFAULT;
CREATE INDEX observations_resident ON observations (resident_id, metric, hub_time, id);
-- Links observations that arrived before their resident was registered (docs/records.md#identifiers).
CREATE INDEX observations_unlinked ON observations (org_id, hub_id, hub_resident_id) WHERE resident_id IS NULL;

-- The first answer to a POST with an Idempotency-Key, replayed for the same key (docs/records.md#idempotency).
CREATE TABLE idempotency_keys (
  org_id          text NOT NULL,
  key             text NOT NULL,
  method          text NOT NULL,
  path            text NOT NULL,
  request_sha256  text NOT NULL,
  status          integer,
  response        jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, key)
);
