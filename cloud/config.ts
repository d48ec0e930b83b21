/**
 * Relay config (docs/configuration.md): one strict zod schema with defaults and a
 * description per field. Sources, later wins: JSON file, CLOUD_* environment,
 * CLI flags. Every problem is reported at once with its path; the result is frozen.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Id } from '../protocols/event.ts';

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (see `cloud hash-secret`)');

// Bootstrap files may still say 'nursing-home', 'pharmacy' (the pharmacist role) or 'admin' (now
// operator): accepted and stored under the new names (cloud/tenancy/context.ts, migration 006).
export const ORG_KINDS = ['care-home', 'household', 'hospital', 'pharmacy', 'nursing-home'] as const;
export const API_ROLES = ['operator', 'clinician', 'pharmacist', 'auditor', 'pharmacy', 'admin'] as const;

const BootstrapOrg = z.strictObject({
  id: Id.describe('Organisation id'),
  name: z.string().min(1).max(200).describe('Display name'),
  kind: z.enum(ORG_KINDS).describe('What the organisation is'),
});

const BootstrapHub = z.strictObject({
  id: Id.describe('Hub id, as the hub sends it in every batch'),
  orgId: Id.describe('Organisation that owns the hub (listed in bootstrap.orgs)'),
  tokenSha256: Sha256Hex.describe('SHA-256 hex of the hub bearer token'),
});

const BootstrapApiKey = z.strictObject({
  id: Id.describe('Key id (not secret)'),
  orgId: Id.describe('Organisation whose data the key may read (listed in bootstrap.orgs)'),
  role: z.enum(API_ROLES).describe('What the key may do'),
  keySha256: Sha256Hex.describe('SHA-256 hex of the API key'),
});

const Bootstrap = z
  .strictObject({
    orgs: z.array(BootstrapOrg).default([]).describe('Organisations upserted at start'),
    hubs: z.array(BootstrapHub).default([]).describe('Hubs upserted at start'),
    apiKeys: z.array(BootstrapApiKey).default([]).describe('API keys upserted at start'),
  })
  // Runs even when other fields fail, so an unknown org is reported in the same run as a typo
  // elsewhere; the value may then be partly unparsed, so it is read warily.
  .superRefine(checkReferences, { when: () => true });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Ids unique per list, and every hub and API key names a listed org. An entry whose field already
 * failed its own schema is left to that message, so no path is reported twice.
 */
function checkReferences(value: unknown, ctx: z.RefinementCtx): void {
  const taken = new Set(ctx.issues.map((i) => (i.path ?? []).join('.')));
  function report(path: Array<string | number>, message: string) {
    if (taken.has(path.join('.'))) return;
    taken.add(path.join('.'));
    ctx.addIssue({ code: 'custom', path, message });
  }
  if (!isRecord(value)) return;
  const lists = { orgs: value.orgs, hubs: value.hubs, apiKeys: value.apiKeys };
  for (const [name, list] of Object.entries(lists)) {
    if (!Array.isArray(list)) continue;
    /** ids seen so far in this list */
    const seen = new Set<string>();
    list.forEach((item: unknown, i) => {
      if (!isRecord(item) || typeof item.id !== 'string') return;
      if (seen.has(item.id)) report([name, i, 'id'], `duplicate id "${item.id}"`);
      seen.add(item.id);
    });
  }
  // Orgs that are not a list name nothing: then references into them are not judged.
  if (!Array.isArray(lists.orgs)) return;
  const orgIds = new Set(lists.orgs.flatMap((o: unknown) => (isRecord(o) && typeof o.id === 'string' ? [o.id] : [])));
  for (const name of ['hubs', 'apiKeys'] as const) {
    const list = lists[name];
    if (!Array.isArray(list)) continue;
    list.forEach((item: unknown, i) => {
      if (isRecord(item) && typeof item.orgId === 'string' && !orgIds.has(item.orgId)) {
        report([name, i, 'orgId'], `unknown org "${item.orgId}"`);
      }
    });
  }
}

/** Limits that turn ingest away with 429/503 and Retry-After before the relay falls over (docs/relay-pressure.md). */
export const AdmissionConfig = z.strictObject({
  maxInFlight: z.number().int().min(1).default(20).describe('ingest requests this replica works on at once; more are answered 503 (about twice the PostgreSQL pool of 10)'),
  slowStoreMs: z
    .number()
    .int()
    .min(1)
    .default(2_000)
    .describe('when the moving average of an ingest request passes this (ms), maxInFlight is quartered until it recovers (503 for the rest)'),
  queueMax: z
    .number()
    .int()
    .min(0)
    .default(20)
    .describe('ingest requests that may wait for a slot when maxInFlight are busy; beyond them 503 at once; 0: no waiting'),
  queueWaitMs: z.number().int().min(1).max(30_000).default(1_000).describe('how long a request waits for a slot before it is answered 503, ms'),
  hubMaxInFlight: z.number().int().min(1).default(2).describe('ingest requests of one hub at once; more are answered 429 (a hub sends one at a time)'),
  hubBatchesPerSecond: z.number().min(0).default(0).describe('token-bucket rate of batches per hub, 429 beyond it; 0: no rate limit (a hub draining a backlog goes as fast as the relay takes it)'),
  hubBurst: z.number().int().min(1).default(10).describe('batches a hub may send at once before hubBatchesPerSecond applies'),
  retryAfterMaxSeconds: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(5)
    .describe('a 503\'s Retry-After is random over 1..n s, n the seconds the replica needs for the hubs it turned away, at most this'),
});
export type AdmissionConfig = z.infer<typeof AdmissionConfig>;

/** REST limits for API keys (docs/access.md): per-key rate and the default request body limit. */
export const AccessConfig = z.strictObject({
  keyRequestsPerSecond: z.number().min(0).default(50).describe('token-bucket rate of REST requests per API key, 429 with Retry-After beyond it; 0: no limit'),
  keyBurst: z.number().int().min(1).default(100).describe('requests an API key may send at once before keyRequestsPerSecond applies'),
  bodyLimitBytes: z.number().int().min(1024).default(64 * 1024).describe('largest request body of a REST route without its own limit (413 beyond it)'),
});
export type AccessConfig = z.infer<typeof AccessConfig>;

export const CloudConfig = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8787).describe('TCP port to listen on; 0 picks a free one'),
  host: z.string().min(1).default('127.0.0.1').describe('Interface to bind; 0.0.0.0 for all'),
  dataDir: z.string().min(1).default('./data/cloud').describe('Folder for the embedded PGlite database (<dataDir>/pglite)'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional()
    .describe('PostgreSQL connection URL; when unset the embedded PGlite store is used'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  admission: AdmissionConfig.prefault({}).describe('Ingest admission: when the relay answers 429 or 503 with Retry-After'),
  access: AccessConfig.prefault({}).describe('REST limits per API key: rate (429) and body size (413)'),
  clockSkewBoundMs: z
    .number()
    .int()
    .min(1)
    .default(120_000)
    .describe('a hub whose clock (X-Hub-Time) is further than this from the relay\'s is flagged in /metrics and its hub record'),
  jobs: z
    .enum(['on', 'off'])
    .default('on')
    .describe('run the scheduled jobs on this replica (docs/jobs.md); every replica may: a due slot is claimed in the database and runs once'),
  jobLeaseMs: z
    .number()
    .int()
    .min(1_000)
    .max(3_600_000)
    .default(30_000)
    .describe('how long a job claim holds without a heartbeat before another replica takes the run over, ms'),
  bootstrap: Bootstrap.default({ orgs: [], hubs: [], apiKeys: [] }).describe(
    'Organisations, hubs and API keys upserted at every start, so an installer can provision without a running server',
  ),
});
export type CloudConfig = Readonly<z.infer<typeof CloudConfig>>;

export interface ConfigIssue {
  path: string;
  message: string;
}

export type LoadCloudConfigResult = { ok: true; config: CloudConfig } | { ok: false; errors: ConfigIssue[] };

export interface LoadCloudConfigOptions {
  /** JSON file; falls back to env.CLOUD_CONFIG. */
  file?: string | undefined;
  env?: Record<string, string | undefined>;
  /** Already-parsed CLI flags (highest precedence). */
  flags?: { port?: string | undefined; host?: string | undefined; data?: string | undefined };
}

/** An empty variable counts as unset, as shells and compose files often export `X=`. */
function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** zod issue → one `{path, message}` per bad field (an unknown-keys issue is split per key). */
export function toIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  return error.issues.flatMap((issue) => {
    const base = [...prefix, ...issue.path].map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => ({ path: [...base, k].join('.'), message: 'unknown key' }));
    }
    return [{ path: base.join('.') || '(root)', message: issue.message }];
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export function loadCloudConfig(options: LoadCloudConfigOptions = {}): LoadCloudConfigResult {
  const env = options.env ?? process.env;
  const file = options.file ?? envValue(env, 'CLOUD_CONFIG');
  let fromFile: unknown = {};
  if (file !== undefined && file !== '') {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      return { ok: false, errors: [{ path: '(file)', message: `cannot read ${file}: ${(err as Error).message}` }] };
    }
    if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile)) {
      return { ok: false, errors: [{ path: '(file)', message: `${file} must hold a JSON object` }] };
    }
  }
  const flags = options.flags ?? {};
  const errors: ConfigIssue[] = [];
  /** config key → the env variable or flag whose value is there now, so its errors name it */
  const setBy = new Map<string, string>();
  const merged: Record<string, unknown> = { ...(fromFile as Record<string, unknown>) };
  const sources: Array<[label: string, key: string, value: string | undefined, type?: 'number']> = [
    ['CLOUD_PORT', 'port', envValue(env, 'CLOUD_PORT'), 'number'],
    ['CLOUD_HOST', 'host', envValue(env, 'CLOUD_HOST')],
    ['CLOUD_DATA_DIR', 'dataDir', envValue(env, 'CLOUD_DATA_DIR')],
    ['DATABASE_URL', 'databaseUrl', envValue(env, 'DATABASE_URL')],
    ['CLOUD_LOG_LEVEL', 'logLevel', envValue(env, 'CLOUD_LOG_LEVEL')],
    ['CLOUD_JOBS', 'jobs', envValue(env, 'CLOUD_JOBS')],
    // Flags last: they win.
    ['--port', 'port', flags.port, 'number'],
    ['--host', 'host', flags.host],
    ['--data', 'dataDir', flags.data],
  ];
  for (const [label, key, value, type] of sources) {
    if (value === undefined) continue;
    if (type === 'number' && !/^-?\d+(\.\d+)?$/.test(value.trim())) {
      errors.push({ path: label, message: `expected a number, got "${value}"` });
      continue;
    }
    merged[key] = type === 'number' ? Number(value) : value;
    setBy.set(key, label);
  }
  const parsed = CloudConfig.safeParse(merged);
  if (!parsed.success) {
    for (const issue of toIssues(parsed.error)) {
      const label = setBy.get(issue.path);
      errors.push(label ? { path: label, message: `${issue.message} (sets ${issue.path})` } : issue);
    }
  }
  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, config: deepFreeze(parsed.data) };
}
