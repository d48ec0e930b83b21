-- Referrals between a care home and a hospital, both ways (docs/referrals.md). Runs on PostgreSQL 15
-- and PGlite. The state machine lives in cloud/referrals/states.ts; this table only stores the
-- outcome. referral_access (migration 006) stays the tenancy hook: the referral service opens its
-- row (same id) when a referral to a hospital is sent and closes it in the transaction that ends it.

CREATE TABLE referrals (
  id              uuid PRIMARY KEY,
  -- 'referral': care home -> hospital; 'back-referral': hospital -> care home (rehabilitation, follow-up).
  direction       text NOT NULL CHECK (direction IN ('referral', 'back-referral')),
  -- The care home that owns the resident; the hospital is the other side whatever the direction.
  home_org_id     text NOT NULL REFERENCES orgs (id),
  -- NULL only on a draft proposed from a hub alarm: the clinician chooses the hospital when sending.
  hospital_org_id text REFERENCES orgs (id),
  resident_id     uuid NOT NULL,
  based_on_id     uuid REFERENCES referrals (id),
  state           text NOT NULL CHECK (state IN ('draft', 'requested', 'received', 'accepted', 'rejected', 'in-progress', 'completed', 'cancelled')),
  priority        text NOT NULL CHECK (priority IN ('routine', 'urgent', 'asap', 'stat')),
  reason          text NOT NULL,
  service         text NOT NULL,
  discharge_notes text,
  follow_up_plan  text,
  -- 'person' or 'hub-alarm' (auto-proposed draft, never sent without a person).
  proposed_by     text NOT NULL DEFAULT 'person' CHECK (proposed_by IN ('person', 'hub-alarm')),
  source_alarm_id uuid,
  evidence        jsonb,
  appointment_at  timestamptz,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL,
  requested_at    timestamptz,
  updated_at      timestamptz NOT NULL,
  version         integer NOT NULL DEFAULT 1,
  CHECK (home_org_id <> hospital_org_id),
  CHECK (state IN ('draft', 'cancelled') OR hospital_org_id IS NOT NULL),
  FOREIGN KEY (home_org_id, resident_id) REFERENCES residents (org_id, id)
);
CREATE INDEX referrals_home ON referrals (home_org_id, id DESC);
CREATE INDEX referrals_hospital ON referrals (hospital_org_id, id DESC) WHERE state <> 'draft';
-- One proposal per hub alarm, however often its event is redelivered.
CREATE UNIQUE INDEX referrals_source_alarm ON referrals (source_alarm_id) WHERE source_alarm_id IS NOT NULL;

-- Who moved a referral, from what to what, when (the FHIR Task's history).
CREATE TABLE referral_transitions (
  referral_id uuid NOT NULL REFERENCES referrals (id),
  seq         integer NOT NULL,
  from_state  text,
  to_state    text NOT NULL,
  actor_key   text NOT NULL,
  actor_org   text NOT NULL,
  note        text,
  at          timestamptz NOT NULL,
  PRIMARY KEY (referral_id, seq)
);

-- An urgent or stat referral not accepted in time: one row per referral (the escalation job is
-- idempotent on this key), for the home's on-call operator. No paging; the row is the notification.
CREATE TABLE referral_escalations (
  referral_id  uuid PRIMARY KEY REFERENCES referrals (id),
  org_id       text NOT NULL REFERENCES orgs (id),
  escalated_at timestamptz NOT NULL,
  acknowledged_at timestamptz
);
