-- Scheduled job runs (docs/jobs.md): one row per (job, due slot). The primary key is the claim:
-- the first replica to insert it runs the slot; the lease lets another replica take over a run
-- whose owner stopped heartbeating (died) before finishing.
CREATE TABLE IF NOT EXISTS job_runs (
  job_id text NOT NULL,
  slot timestamptz NOT NULL,
  owner text NOT NULL,
  lease_until timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 1,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  done integer,
  PRIMARY KEY (job_id, slot)
);
-- The takeover sweep looks only at unfinished runs.
CREATE INDEX IF NOT EXISTS job_runs_unfinished ON job_runs (lease_until) WHERE finished_at IS NULL;
