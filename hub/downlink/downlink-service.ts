/**
 * The hub's downlink (docs/downlink.md): at start the last good copy from disk, before any network;
 * then pulls from the relay, by ETag, long-polling. A version is resolved against the config first
 * and applied whole (one swap) or refused whole; refusals are logged, counted, shown by
 * `downlinkState()` and reported to the relay. The hub keeps the version it had.
 */
import { join } from 'node:path';
import { DownlinkDocument, MAX_DOWNLINK_WAIT_SECONDS, type DownlinkIssue } from '../../protocols/downlink.ts';
import { retryDelay } from '../backoff.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { pullDownlink, PULL_FAILURES, reportDownlink, type PullFailure } from './downlink-client.ts';
import { LAST_GOOD_FILE, readLastGood, writeLastGood } from './last-good-file.ts';
import type { LiveBindings } from './live-bindings.ts';
import { resolveDownlink, type DownlinkBase, type DownlinkView } from './resolve-downlink.ts';

export interface DownlinkRelayOptions {
  url: string;
  token: string;
  /** Long-poll: the relay holds each pull up to this long (s); 0 for plain polling. */
  waitSeconds: number;
  /** Pause between two pulls that went well (ms). */
  intervalMs: number;
  retryMinMs: number;
  retryMaxMs: number;
}

export interface DownlinkServiceOptions {
  base: DownlinkBase;
  bindings: LiveBindings;
  /** Hands the new rule options to the rule engine; resolves once rules use them. */
  applyRuleOptions(ruleOptions: Readonly<Record<string, unknown>>): Promise<void>;
  dataDir: string;
  /** Absent: no relay configured, only the disk copy is used. */
  relay?: DownlinkRelayOptions;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  fetch?: typeof fetch;
  random?: () => number;
}

/** What `npx hub status` shows about the downlink. */
export interface DownlinkState {
  /** Whether the hub pulls from a relay at all. */
  pulling: boolean;
  /** The version in force; null: the config file alone. */
  version: number | null;
  /** Where the version in force came from. */
  source: 'config' | 'disk' | 'relay';
  appliedAt: string | null;
  /** The relay's last answer (any answer, also 304). */
  lastContactAt: string | null;
  /** Why the last pull failed; null once one succeeds. */
  lastError: string | null;
  /** The last version refused, with every reason; null once a later version is applied. */
  refused: { version: number | null; at: string; errors: DownlinkIssue[] } | null;
  /** Writing the last good copy failed: a restart would come up with the older copy. */
  diskError: string | null;
}

/** A relay stalled this long past the long-poll's own wait is given up on. */
const STALL_MARGIN_MS = 15_000;

export class DownlinkService {
  private etag: string | null = null;
  /** The current relay version's ETag when the hub refused it: asked about as "known", so it is not fetched again and again. */
  private refusedEtag: string | null = null;
  private failures = 0;
  private timer: unknown = null;
  private inFlight: Promise<void> | null = null;
  private stopped = true;
  private readonly abort = new AbortController();
  private applied = 0;
  private refusals = 0;
  /** pull failures, keyed by reason */
  private readonly failuresByReason = new Map<PullFailure, number>(PULL_FAILURES.map((r) => [r, 0]));
  private readonly status: DownlinkState;
  private readonly file: string;

  constructor(private readonly options: DownlinkServiceOptions) {
    this.file = join(options.dataDir, LAST_GOOD_FILE);
    this.status = { pulling: options.relay !== undefined, version: null, source: 'config', appliedAt: null, lastContactAt: null, lastError: null, refused: null, diskError: null };
  }

  downlinkState(): DownlinkState {
    return structuredClone(this.status);
  }

  /** Applies the copy on disk, if any. Call before the rules see an event and before any network. */
  async loadLastGood(): Promise<void> {
    const { metrics, logger } = this.options;
    metrics.define('downlink_version', 'gauge', 'Downlink version in force (0: the config file alone)', () => this.status.version ?? 0);
    metrics.define('downlink_applied_total', 'counter', 'Downlink versions applied (from disk at start or from the relay)', () => this.applied);
    metrics.define('downlink_refused_total', 'counter', 'Downlink versions refused as a whole (invalid, or not fitting this hub\'s config); the previous version stays', () => this.refusals);
    metrics.define('downlink_pull_failures_total', 'counter', 'Downlink pulls that failed, by reason: network, timeout, busy (429/5xx), refused (other 4xx), not-json, too-large', () =>
      [...this.failuresByReason].map(([reason, n]) => [{ reason }, n] as [Record<string, string>, number]),
    );
    const found = await readLastGood(this.file);
    if (found.kind === 'missing') return;
    if (found.kind === 'unreadable') {
      // The config alone still works; the relay sends the current version once reachable.
      this.status.diskError = `last good copy unreadable: ${found.message}`;
      logger.error({ file: this.file, reason: found.message }, 'downlink: last good copy on disk is unreadable; running on the config file until the relay sends one');
      return;
    }
    const ok = await this.apply(found.stored.document, 'disk');
    if (ok) this.etag = found.stored.etag;
  }

  start(): void {
    if (!this.options.relay) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.inFlight?.catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      this.inFlight = this.cycle().catch((err: unknown) => {
        // cycle() sorts every answer it can read; this is a bug, not the relay. Keep pulling.
        this.options.logger.error({ err }, 'downlink: pull round failed');
        this.schedule(this.options.relay!.retryMaxMs);
      });
    }, ms);
  }

  private async cycle(): Promise<void> {
    const relay = this.options.relay!;
    const { clock } = this.options;
    const waitSeconds = Math.min(relay.waitSeconds, MAX_DOWNLINK_WAIT_SECONDS);
    const outcome = await pullDownlink({
      relayUrl: relay.url,
      token: relay.token,
      known: [this.etag, this.refusedEtag].filter((e): e is string => e !== null),
      waitSeconds,
      stallTimeoutMs: waitSeconds * 1000 + STALL_MARGIN_MS,
      clock,
      fetch: this.options.fetch ?? fetch,
      signal: this.abort.signal,
    });
    if (this.stopped) return;
    if (outcome.kind === 'failed') {
      this.failures += 1;
      this.failuresByReason.set(outcome.reason, (this.failuresByReason.get(outcome.reason) ?? 0) + 1);
      // Logged at warn when the case changes, at debug while it repeats (a weekend offline is one line).
      const repeat = this.status.lastError?.startsWith(`${outcome.reason}:`) ?? false;
      this.status.lastError = `${outcome.reason}: ${outcome.message}`;
      this.options.logger[repeat ? 'debug' : 'warn']({ reason: outcome.reason, status: outcome.status, failures: this.failures }, `downlink: ${outcome.message}`);
      this.schedule(retryDelay(this.failures, outcome.retryAfterMs ?? null, relay.retryMinMs, relay.retryMaxMs, this.options.random));
      return;
    }
    if (this.status.lastError !== null) this.options.logger.info({ after: this.status.lastError }, 'downlink: relay reachable again');
    this.failures = 0;
    this.status.lastError = null;
    this.status.lastContactAt = new Date(clock.now()).toISOString();
    if (outcome.kind === 'document') await this.receive(outcome.body, outcome.etag);
    this.schedule(relay.intervalMs);
  }

  /** A document from the relay: validated, resolved, applied and kept on disk, or refused and reported. */
  private async receive(body: unknown, etag: string | null): Promise<void> {
    const parsed = DownlinkDocument.safeParse(body);
    if (!parsed.success) {
      const version = readableVersion(body);
      const errors = parsed.error.issues.slice(0, 100).map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
      this.refuse(version, errors, 'relay');
      this.refusedEtag = etag;
      if (version !== null) await this.report({ version, outcome: 'refused', errors });
      return;
    }
    const doc = parsed.data;
    const result = resolveDownlink(this.options.base, doc);
    if (!result.ok) {
      this.refuse(doc.version, result.errors, 'relay');
      this.refusedEtag = etag;
      await this.report({ version: doc.version, outcome: 'refused', errors: result.errors });
      return;
    }
    // On disk before in force: once the hub says it runs a version, a restart comes up on it too.
    this.etag = etag;
    this.refusedEtag = null;
    try {
      await writeLastGood(this.file, { format: 1, etag, savedAt: new Date(this.options.clock.now()).toISOString(), document: doc });
      this.status.diskError = null;
    } catch (err) {
      // Applied in memory all the same; forgetting the ETag makes the next pull fetch it, and write it, again.
      this.etag = null;
      this.status.diskError = `cannot write the last good copy: ${(err as Error).message}`;
      this.options.logger.error({ err, file: this.file }, 'downlink: the last good copy could not be written; applying it in memory only');
    }
    await this.commit(doc, result.view, 'relay');
    await this.report({ version: doc.version, outcome: 'applied', errors: [] });
  }

  /** Resolves a whole version against the config and swaps it in, or refuses it. */
  private async apply(doc: DownlinkDocument, source: 'disk' | 'relay'): Promise<boolean> {
    const result = resolveDownlink(this.options.base, doc);
    if (!result.ok) {
      this.refuse(doc.version, result.errors, source);
      return false;
    }
    await this.commit(doc, result.view, source);
    return true;
  }

  /** The one step that puts a resolved version in force. */
  private async commit(doc: DownlinkDocument, view: DownlinkView, source: 'disk' | 'relay'): Promise<void> {
    await this.swap(view);
    this.applied += 1;
    Object.assign(this.status, { version: doc.version, source, appliedAt: new Date(this.options.clock.now()).toISOString(), refused: null });
    this.options.logger.info(
      { version: doc.version, source, rooms: doc.content.rooms.length, residents: doc.content.residents.length, devices: doc.content.devices.length },
      'downlink applied',
    );
  }

  private async swap(view: DownlinkView): Promise<void> {
    // Rule options first: the engine parses them before it changes anything (resolveDownlink has
    // checked them with the same schemas), so a throw here leaves the bindings as they were too.
    const rulesSwapped = this.options.applyRuleOptions(view.ruleOptions);
    this.options.bindings.swap(view);
    await rulesSwapped;
  }

  private refuse(version: number | null, errors: DownlinkIssue[], source: 'disk' | 'relay'): void {
    this.refusals += 1;
    this.status.refused = { version, at: new Date(this.options.clock.now()).toISOString(), errors };
    this.options.logger.error(
      { version, source, kept: this.status.version, errors: errors.slice(0, 20) },
      `downlink refused as a whole (${errors.length} problem${errors.length === 1 ? '' : 's'}); keeping ${this.status.version === null ? 'the config file alone' : `version ${this.status.version}`}`,
    );
  }

  private async report(report: { version: number; outcome: 'applied' | 'refused'; errors: DownlinkIssue[] }): Promise<void> {
    const relay = this.options.relay;
    if (!relay) return;
    try {
      await reportDownlink({ relayUrl: relay.url, token: relay.token, fetch: this.options.fetch ?? fetch, signal: this.abort.signal }, report);
    } catch (err) {
      // The relay learns at the next report; the hub's own state does not depend on it.
      this.options.logger.warn({ err, version: report.version, outcome: report.outcome }, 'downlink: report to the relay failed');
    }
  }
}

/** The version of a document that failed validation, when it still has a readable one. */
function readableVersion(body: unknown): number | null {
  const version = typeof body === 'object' && body !== null ? (body as { version?: unknown }).version : undefined;
  return typeof version === 'number' && Number.isInteger(version) && version >= 1 ? version : null;
}

