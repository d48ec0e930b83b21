/**
 * Clock skew per hub (docs/relay-pressure.md#clock-skew). A Pi has no real-time clock and may run
 * with a wrong date until NTP answers. The forwarder stamps each batch with its clock "now"
 * (X-Hub-Time); the relay compares it with its own receive time. Not with an event's hubTime: a
 * backlog drained after an outage carries hours-old hubTimes from a hub whose clock is right.
 *
 * Mounted around the ingest route: the receive time is taken when the request arrives (before it
 * waits for the store), the skew is kept only when the batch was stored (200). The latest skew per
 * hub is in /metrics (this replica's view) and in the hubs table (cloud/store/hub-clock.ts), written
 * at most once a minute per hub unless the flag changes, so a draining hub does not add a write per
 * batch. A bad header is counted and logged; the batch is stored all the same.
 */
import type { MiddlewareHandler } from 'hono';
import { IsoTime } from '../../protocols/event.ts';
import type { Logger } from '../logger.ts';
import type { Queryable } from '../store/database.ts';
import { recordHubClock } from '../store/hub-clock.ts';
import type { AppEnv } from './env.ts';
import type { Metrics } from './metrics.ts';

export const HUB_TIME_HEADER = 'x-hub-time';

/** A stored skew is rewritten after this long even if nothing changed, so clock_checked_at says the check is recent. */
const PERSIST_EVERY_MS = 60_000;

export interface HubClockOptions {
  db: Queryable;
  metrics: Metrics;
  logger: Logger;
  /** The relay's clock. */
  now: () => Date;
  /** |skew| beyond this flags the hub, ms. */
  boundMs: number;
}

interface Seen {
  skewMs: number;
  skewed: boolean;
  /** when this replica last wrote the hub's row, relay ms; -Infinity: never */
  persistedAt: number;
  persistedSkewed: boolean;
}

/** Relay receive time minus hub time, ms; positive when the hub's clock is behind. */
export function clockSkewMs(relayReceivedAt: number, hubTime: number): number {
  return relayReceivedAt - hubTime;
}

export function createHubClockRecorder(options: HubClockOptions): MiddlewareHandler<AppEnv> {
  const { metrics, boundMs } = options;
  const log = options.logger.child({ module: 'hub-clock' });
  /** keyed by hub id: the latest skew this replica saw */
  const seen = new Map<string, Seen>();
  /** hubs already warned about a bad X-Hub-Time (once each, then only counted) */
  const warnedBadHeader = new Set<string>();

  metrics.gauge('carehub_hub_clock_skew_seconds', () =>
    [...seen].sort(([a], [b]) => a.localeCompare(b)).map(([hubId, s]) => ({ labels: `{hub="${hubId}"}`, value: s.skewMs / 1000 })),
  );
  metrics.gauge('carehub_hubs_clock_skewed', () => [{ labels: '', value: [...seen.values()].filter((s) => s.skewed).length }]);

  return async function recordHubClockSkew(c, next) {
    const receivedAt = options.now();
    const header = c.req.header(HUB_TIME_HEADER);
    await next();
    if (c.res.status !== 200 || header === undefined) return;
    const hub = c.get('hub');
    if (hub === undefined) return;
    const parsed = IsoTime.safeParse(header.trim());
    if (!parsed.success) {
      metrics.hubTimeRejected();
      if (!warnedBadHeader.has(hub.hubId)) {
        warnedBadHeader.add(hub.hubId);
        log.warn({ hubId: hub.hubId, header: header.slice(0, 64) }, 'X-Hub-Time is not an ISO 8601 time; clock skew not measured (batch stored)');
      }
      return;
    }
    const skewMs = clockSkewMs(receivedAt.getTime(), Date.parse(parsed.data));
    const skewed = Math.abs(skewMs) > boundMs;
    const before = seen.get(hub.hubId);
    const entry: Seen = { skewMs, skewed, persistedAt: before?.persistedAt ?? -Infinity, persistedSkewed: before?.persistedSkewed ?? false };
    seen.set(hub.hubId, entry);
    if (skewed !== (before?.skewed ?? false)) {
      if (skewed) log.warn({ hubId: hub.hubId, skewMs, boundMs }, 'hub clock is off beyond the bound');
      else if (before) log.info({ hubId: hub.hubId, skewMs, boundMs }, 'hub clock back within the bound');
    }
    const due = receivedAt.getTime() - entry.persistedAt >= PERSIST_EVERY_MS || skewed !== entry.persistedSkewed;
    if (!due) return;
    try {
      await recordHubClock(options.db, hub.hubId, skewMs, receivedAt, skewed);
      entry.persistedAt = receivedAt.getTime();
      entry.persistedSkewed = skewed;
    } catch (err) {
      // The batch is stored and acknowledged; a missed skew write is retried with the next batch.
      log.warn({ err, hubId: hub.hubId }, 'could not store the hub clock skew');
    }
  };
}
