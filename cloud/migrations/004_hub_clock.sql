-- Hub clock skew (docs/relay-pressure.md#clock-skew): a Pi has no real-time clock, so the relay
-- compares each batch's X-Hub-Time header with its own receive time and keeps the latest result per
-- hub. Runs on PostgreSQL 15 and PGlite (PostgreSQL 18).

-- Relay receive time minus hub clock, ms; positive: the hub is behind. NULL until measured.
ALTER TABLE hubs ADD COLUMN clock_skew_ms bigint;
-- Relay time of that measurement.
ALTER TABLE hubs ADD COLUMN clock_checked_at timestamptz;
-- |clock_skew_ms| beyond the relay's clockSkewBoundMs when it was measured.
ALTER TABLE hubs ADD COLUMN clock_skewed boolean NOT NULL DEFAULT false;
