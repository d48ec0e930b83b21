/**
 * Relay config (STYLE.md item 12): one strict zod schema with defaults and a
 * description per field. Sources, later wins: JSON file, CLOUD_* environment,
 * CLI flags. Every problem is reported at once with its path; the result is frozen.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Id } from '../protocols/event.ts';

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (see `cloud hash-secret`)');

export const ORG_KINDS = ['nursing-home', 'hospital', 'pharmacy'] as const;
export const API_ROLES = ['operator', 'clinician', 'pharmacy', 'admin'] as const;

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
  .superRefine(function checkReferences(b, ctx) {
    const orgIds = new Set(b.orgs.map((o) => o.id));
    b.hubs.forEach((h, i) => {
      if (!orgIds.has(h.orgId)) ctx.addIssue({ code: 'custom', path: ['hubs', i, 'orgId'], message: `unknown org "${h.orgId}"` });
    });
    b.apiKeys.forEach((k, i) => {
      if (!orgIds.has(k.orgId)) ctx.addIssue({ code: 'custom', path: ['apiKeys', i, 'orgId'], message: `unknown org "${k.orgId}"` });
    });
  });

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

/** Numeric strings become numbers; anything else stays a string so zod names the bad field. */
function toPort(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value;
}

function defined(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
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
  const merged = {
    ...(fromFile as Record<string, unknown>),
    ...defined({
      port: envValue(env, 'CLOUD_PORT') !== undefined ? toPort(envValue(env, 'CLOUD_PORT')!) : undefined,
      host: envValue(env, 'CLOUD_HOST'),
      dataDir: envValue(env, 'CLOUD_DATA_DIR'),
      databaseUrl: envValue(env, 'DATABASE_URL'),
      logLevel: envValue(env, 'CLOUD_LOG_LEVEL'),
    }),
    ...defined({
      port: flags.port !== undefined ? toPort(flags.port) : undefined,
      host: flags.host,
      dataDir: flags.data,
    }),
  };
  const parsed = CloudConfig.safeParse(merged);
  if (!parsed.success) return { ok: false, errors: toIssues(parsed.error) };
  return { ok: true, config: deepFreeze(parsed.data) };
}
