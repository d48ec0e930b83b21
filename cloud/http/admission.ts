/**
 * Ingest admission (docs/relay-pressure.md): the relay answers 429 (one hub asks too much) or 503
 * (this replica is full, or its store slow) with Retry-After, before it falls over. Two
 * middlewares over one AdmissionPolicy: `overall` goes first, before the body is read or the
 * credential looked up, so a full replica spends nothing on what it turns away (a request may wait
 * up to queueWaitMs for a slot first, the timer owned here); `perHub` goes right
 * after requireHub, when the hub is known. Both answer through the one problem shape
 * (ProblemError, cloud/http/problem.ts) and count in carehub_ingest_shed_total{reason}.
 */
import type { MiddlewareHandler } from 'hono';
import type { AdmissionConfig } from '../config.ts';
import { ProblemError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { AdmissionPolicy, type Admitted, type Queued, type Refused, type ShedReason } from './admission-policy.ts';
import type { AppEnv } from './env.ts';
import type { Metrics } from './metrics.ts';

export interface IngestAdmissionOptions {
  limits: AdmissionConfig;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
  /** Source of the 503 Retry-After spread; tests pin it. */
  random?: () => number;
}

export interface IngestAdmission {
  /** Replica-wide limit (503): mount before the body limit and the credential check. */
  overall: MiddlewareHandler<AppEnv>;
  /** Per-hub limit (429): mount right after requireHub. */
  perHub: MiddlewareHandler<AppEnv>;
  readonly policy: AdmissionPolicy;
}

/** Shedding is logged at warn at most this often per reason, with the count since; each request is counted in /metrics. */
const LOG_EVERY_MS = 10_000;

const DETAIL: Record<ShedReason, string> = {
  'in-flight': 'The relay is working on as many ingest requests as it takes at once; try again after Retry-After',
  'slow-store': 'The relay store is slow; ingest is limited until it recovers; try again after Retry-After',
  'hub-in-flight': 'This hub already has a request being worked on; send one batch at a time',
  'hub-rate': 'This hub sends batches faster than its limit; try again after Retry-After',
};

export function createIngestAdmission(options: IngestAdmissionOptions): IngestAdmission {
  const { metrics } = options;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ module: 'admission' });
  const policy = new AdmissionPolicy(options.limits, now, options.random);
  /** keyed by reason: when it was last logged and how many were shed since */
  const logged = new Map<ShedReason, { at: number; since: number }>();

  metrics.gauge('carehub_ingest_in_flight', () => [{ labels: '', value: policy.inFlight }]);
  metrics.gauge('carehub_ingest_queued', () => [{ labels: '', value: policy.queued }]);
  metrics.gauge('carehub_ingest_store_latency_ms', () => [{ labels: '', value: Math.round(policy.storeLatencyMs) }]);

  /** Waits up to queueWaitMs for a slot; the 503 to send when none came. */
  async function waitForSlot(queued: Queued): Promise<Admitted | Refused> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), options.limits.queueWaitMs)));
    try {
      const first = await Promise.race([queued.ticket, gaveUp]);
      if (first !== null) return first;
      // A slot may have been handed on in the same moment: then take it.
      return queued.giveUp() ?? (await queued.ticket);
    } finally {
      clearTimeout(timer);
    }
  }

  function refuse(verdict: Refused, hubId?: string): never {
    metrics.shed(verdict.reason);
    const entry = logged.get(verdict.reason) ?? { at: -Infinity, since: 0 };
    entry.since += 1;
    const at = now();
    if (at - entry.at >= LOG_EVERY_MS) {
      log.warn(
        { reason: verdict.reason, status: verdict.status, shed: entry.since, inFlight: policy.inFlight, storeLatencyMs: Math.round(policy.storeLatencyMs), ...(hubId && { hubId }) },
        'ingest turned away',
      );
      entry.at = at;
      entry.since = 0;
    }
    logged.set(verdict.reason, entry);
    const code = verdict.status === 429 ? 'too-many-requests' : 'service-unavailable';
    throw new ProblemError(code, DETAIL[verdict.reason], { retryAfterSeconds: verdict.retryAfterSeconds });
  }

  const admission: IngestAdmission = {
    policy,
    overall: async function admitOverall(c, next) {
      const entered = policy.enter();
      const verdict = entered.admitted === 'queued' ? await waitForSlot(entered) : entered;
      if (!verdict.admitted) refuse(verdict);
      c.set('admission', admission);
      try {
        await next();
      } finally {
        verdict.release();
      }
    },
    perHub: async function admitHubRequest(c, next) {
      const { hubId } = c.get('hub');
      const verdict = policy.enterHub(hubId);
      if (!verdict.admitted) refuse(verdict, hubId);
      try {
        await next();
      } finally {
        verdict.release();
      }
    },
  };
  return admission;
}

/**
 * The ingest route's per-hub check (mounted right after requireHub): runs the app's admission,
 * which its `overall` middleware put in the context; admits everything on a route mounted without it.
 */
export const admitHub: MiddlewareHandler<AppEnv> = async function admitHub(c, next) {
  const admission = c.get('admission') as IngestAdmission | undefined;
  if (admission === undefined) {
    await next();
    return;
  }
  await admission.perHub(c, next);
};
