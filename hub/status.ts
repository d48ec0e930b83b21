/**
 * What `npx hub status` shows, gathered from the running hub's parts (docs/status.md): the outbox
 * per lane, bytes against the budget, what was shed, and the link to the relay. Every section is
 * an object, so a new field (or link state) is added without breaking a reader. Pure: the parts
 * are passed in as getters.
 */

export interface LaneSnapshot {
  depth: number;
  oldestHubTime: string | null;
}

/** The forwarder's view of the link (Forwarder.linkState); fields beyond these are passed through as they are. */
export interface LinkSnapshot {
  state: string;
  lastError: { reason: string; message: string; status?: number; at: string } | null;
  lastSuccessAt: string | null;
  drainRatePerS: number;
}

export interface ShedSnapshot {
  thinned: Record<string, number>;
  dropped: Record<string, number>;
  summaries: number;
  last: { action: string; at: string; events: number; from: string; to: string } | null;
}

export interface StatusSources {
  hubId: string;
  now: () => number;
  lanes: () => Record<string, LaneSnapshot>;
  bytes: () => { total: number; lanes: Record<string, number> };
  limits: { budgetBytes: number; reserveBytes: number; ceiling: number };
  shed: () => ShedSnapshot;
  /** absent when no relay is configured */
  link?: () => LinkSnapshot;
  /** The downlink in force (DownlinkService.downlinkState, docs/downlink.md#status). */
  downlink?: () => DownlinkSnapshot;
}

/** What the status shows of the downlink; the hub's DownlinkState fits it. */
export interface DownlinkSnapshot {
  pulling: boolean;
  version: number | null;
  source: string;
  appliedAt: string | null;
  lastError: string | null;
  refused: { version: number | null; at: string; errors: Array<{ path: string; message: string }> } | null;
  diskError: string | null;
}

export interface LaneStatus extends LaneSnapshot {
  /** seconds since the oldest waiting event was received (hub time), null when empty */
  oldestAgeS: number | null;
  bytes: number;
}

export interface HubStatus {
  hubId: string;
  at: string;
  outbox: {
    depth: number;
    oldestAgeS: number | null;
    lanes: Record<string, LaneStatus>;
    /** events acknowledged per second lately (0 without a relay) */
    drainRatePerS: number;
    /** seconds to empty at that rate; null when nothing drains (or nothing waits: 0) */
    etaS: number | null;
    bytes: { used: number; budget: number; reserve: number; ceiling: number; usedPercent: number };
  };
  shedding: ShedSnapshot;
  link: LinkSnapshot | { state: 'off'; lastError: null; lastSuccessAt: null; drainRatePerS: 0 };
  downlink?: DownlinkSnapshot;
}

export function collectStatus(s: StatusSources): HubStatus {
  const now = s.now();
  const bytes = s.bytes();
  const lanes: Record<string, LaneStatus> = {};
  let depth = 0;
  let oldestAgeS: number | null = null;
  for (const [name, lane] of Object.entries(s.lanes())) {
    const age = lane.oldestHubTime === null ? null : Math.max(0, Math.round((now - Date.parse(lane.oldestHubTime)) / 1000));
    lanes[name] = { ...lane, oldestAgeS: age, bytes: bytes.lanes[name] ?? 0 };
    depth += lane.depth;
    if (age !== null && (oldestAgeS === null || age > oldestAgeS)) oldestAgeS = age;
  }
  const link = s.link?.() ?? { state: 'off' as const, lastError: null, lastSuccessAt: null, drainRatePerS: 0 as const };
  const rate = link.drainRatePerS;
  return {
    hubId: s.hubId,
    at: new Date(now).toISOString(),
    outbox: {
      depth,
      oldestAgeS,
      lanes,
      drainRatePerS: rate,
      etaS: depth === 0 ? 0 : rate > 0 ? Math.ceil(depth / rate) : null,
      bytes: {
        used: bytes.total,
        budget: s.limits.budgetBytes,
        reserve: s.limits.reserveBytes,
        ceiling: s.limits.ceiling,
        usedPercent: Math.round((bytes.total / s.limits.budgetBytes) * 1000) / 10,
      },
    },
    shedding: s.shed(),
    link,
    ...(s.downlink && { downlink: s.downlink() }),
  };
}
