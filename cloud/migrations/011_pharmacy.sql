-- Pharmacy delivery of long-term medication (docs/pharmacy.md). Runs on PostgreSQL 15 and PGlite.
-- A prescription belongs to the care home (org_id) and is sent to one pharmacy (pharmacy_org_id).
CREATE TABLE prescriptions (
  id                uuid PRIMARY KEY,
  org_id            text NOT NULL REFERENCES orgs (id),
  resident_id       uuid NOT NULL,
  pharmacy_org_id   text NOT NULL REFERENCES orgs (id),
  medication_name   text NOT NULL,
  medication_system text NOT NULL,
  medication_code   text NOT NULL,
  dose              numeric NOT NULL CHECK (dose > 0),
  dose_unit         text NOT NULL,
  times_per_day     numeric NOT NULL CHECK (times_per_day > 0),
  quantity_per_fill numeric NOT NULL CHECK (quantity_per_fill > 0),
  repeats           integer NOT NULL CHECK (repeats >= 0),
  valid_from        date NOT NULL,
  valid_until       date NOT NULL,
  lead_time_days    integer NOT NULL CHECK (lead_time_days >= 0),
  prescriber        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, resident_id) REFERENCES residents (org_id, id),
  CHECK (valid_until >= valid_from),
  CHECK (org_id <> pharmacy_org_id)
);
CREATE INDEX prescriptions_org ON prescriptions (org_id, id);
CREATE INDEX prescriptions_pharmacy ON prescriptions (pharmacy_org_id, id);
CREATE INDEX prescriptions_active ON prescriptions (valid_until);

-- One row per fill. The unique key is the job's second guard: a repeated or taken-over run creates nothing twice.
CREATE TABLE deliveries (
  id              uuid PRIMARY KEY,
  prescription_id uuid NOT NULL REFERENCES prescriptions (id),
  org_id          text NOT NULL REFERENCES orgs (id),
  pharmacy_org_id text NOT NULL REFERENCES orgs (id),
  fill_no         integer NOT NULL CHECK (fill_no >= 1),
  due_day         date NOT NULL,
  status          text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'ordered', 'dispatched', 'delivered', 'received')),
  received_by     text,
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (prescription_id, fill_no)
);
CREATE INDEX deliveries_org ON deliveries (org_id, due_day, id);
CREATE INDEX deliveries_pharmacy ON deliveries (pharmacy_org_id, due_day, id) WHERE status <> 'scheduled';
CREATE INDEX deliveries_due ON deliveries (due_day) WHERE status = 'scheduled';

-- Every transition: who and when (actor is an API key id, or 'system:<job>').
CREATE TABLE delivery_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id uuid NOT NULL REFERENCES deliveries (id),
  from_status text,
  to_status   text NOT NULL,
  actor       text NOT NULL,
  actor_org   text,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delivery_events_delivery ON delivery_events (delivery_id, id);
