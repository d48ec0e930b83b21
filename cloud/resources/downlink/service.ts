/**
 * Downlinks (docs/downlink.md): operators write a hub's document, the hub pulls its own, by ETag,
 * optionally holding the request open until a new version exists (long-poll). No Hono here.
 */
import { createHash } from 'node:crypto';
import type { DownlinkContent, DownlinkDocument, DownlinkReport } from '../../../protocols/downlink.ts';
import { ProblemError } from '../../errors.ts';
import type { AuthenticatedHub, Principal } from '../../http/env.ts';
import type { Database } from '../../store/database.ts';
import { findDownlinkForOrg, findOwnDownlink, findOwnEtag, orgHasHub, putDownlink, recordReport, type DownlinkRow } from './repo.ts';
import type { OperatorDownlink } from './schema.ts';

/**
 * A long-poll is woken at once by a PUT on this replica; a PUT on another replica is seen at the
 * next re-check. 5 s keeps a thousand waiting hubs at 200 cheap index reads a second.
 */
const RECHECK_MS = 5_000;

/** Roles that may read or write a hub's downlink: it binds residents to devices. */
const WRITERS: ReadonlySet<Principal['role']> = new Set(['operator']);

export type OwnDownlink =
  | { kind: 'document'; etag: string; document: DownlinkDocument }
  | { kind: 'unchanged'; etag: string }
  | { kind: 'none' };

export interface DownlinkService {
  put(principal: Principal, hubId: string, content: DownlinkContent): Promise<OperatorDownlink>;
  getForOperator(principal: Principal, hubId: string): Promise<OperatorDownlink>;
  /** The hub's own downlink; `known` are the entity tags it sent in If-None-Match. */
  getOwn(hub: AuthenticatedHub, known: readonly string[], waitSeconds: number, signal?: AbortSignal): Promise<OwnDownlink>;
  report(hub: AuthenticatedHub, report: DownlinkReport): Promise<void>;
}

export interface DownlinkServiceOptions {
  db: Database;
  now: () => Date;
  /** Aborted when the relay shuts down: held long-polls answer at once instead of holding the close. */
  closing?: AbortSignal;
  /** How often a held long-poll re-reads the store (ms); RECHECK_MS unless a test needs otherwise. */
  recheckMs?: number;
}

/** If-None-Match → entity tags (weak ones compared by their opaque part, RFC 9110 §13.1.2). */
export function parseIfNoneMatch(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .filter((tag) => tag !== '');
}

function isKnown(etag: string, known: readonly string[]): boolean {
  return known.includes('*') || known.includes(etag);
}

function toOperatorView(row: DownlinkRow): OperatorDownlink {
  const iso = (d: Date | null) => (d === null ? null : d.toISOString());
  return {
    hubId: row.hubId,
    version: row.version,
    etag: row.etag,
    updatedAt: row.updatedAt.toISOString(),
    updatedBy: row.updatedBy,
    content: row.body,
    hubReport: {
      appliedVersion: row.appliedVersion,
      appliedAt: iso(row.appliedAt),
      refusedVersion: row.refusedVersion,
      refusedErrors: row.refusedErrors ?? [],
      refusedAt: iso(row.refusedAt),
    },
  };
}

function toDocument(row: DownlinkRow): DownlinkDocument {
  return { hubId: row.hubId, version: row.version, updatedAt: row.updatedAt.toISOString(), content: row.body };
}

function mayWrite(principal: Principal): void {
  if (!WRITERS.has(principal.role)) throw new ProblemError('forbidden', `A ${principal.role} key cannot read or write hub downlinks`);
}

export function createDownlinkService({ db, now, closing, recheckMs = RECHECK_MS }: DownlinkServiceOptions): DownlinkService {
  /** wake-ups of long-polls waiting on this replica, keyed by hub id */
  const waiters = new Map<string, Set<() => void>>();

  function wake(hubId: string): void {
    for (const resolve of waiters.get(hubId) ?? []) resolve();
  }

  /** Resolves at a PUT for this hub, after `ms`, or on abort, whichever comes first. */
  function pause(hubId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = waiters.get(hubId) ?? new Set<() => void>();
      waiters.set(hubId, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        closing?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && waiters.get(hubId) === set) waiters.delete(hubId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
      closing?.addEventListener('abort', done, { once: true });
    });
  }

  return {
    async put(principal, hubId, content) {
      mayWrite(principal);
      // The body as stored, so equal documents have equal digests whatever key order was sent.
      const bodyDigest = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
      const row = await putDownlink(db, { orgId: principal.orgId, hubId, body: content, bodyDigest, keyId: principal.keyId, at: now() });
      if (!row) throw new ProblemError('not-found', `No hub "${hubId}" in your organisation`);
      wake(hubId);
      return toOperatorView(row);
    },

    async getForOperator(principal, hubId) {
      mayWrite(principal);
      const row = await findDownlinkForOrg(db, principal.orgId, hubId);
      if (row) return toOperatorView(row);
      const exists = await orgHasHub(db, principal.orgId, hubId);
      throw new ProblemError('not-found', exists ? `Hub "${hubId}" has no downlink yet` : `No hub "${hubId}" in your organisation`);
    },

    async getOwn(hub, known, waitSeconds, signal) {
      const deadline = now().getTime() + waitSeconds * 1000;
      let row = await findOwnDownlink(db, hub.hubId);
      for (;;) {
        if (row && !isKnown(row.etag, known)) return { kind: 'document', etag: row.etag, document: toDocument(row) };
        const left = deadline - now().getTime();
        if (left <= 0 || signal?.aborted || closing?.aborted) return row ? { kind: 'unchanged', etag: row.etag } : { kind: 'none' };
        await pause(hub.hubId, Math.min(left, recheckMs), signal);
        // Cheap re-check first; the whole row only when it changed.
        const etag = await findOwnEtag(db, hub.hubId);
        if (etag !== row?.etag) row = await findOwnDownlink(db, hub.hubId);
      }
    },

    async report(hub, report) {
      const recorded = await recordReport(db, hub.hubId, report, now());
      if (!recorded) throw new ProblemError('conflict', `This hub has no downlink version ${report.version}`);
    },
  };
}
