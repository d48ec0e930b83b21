/**
 * `hub status [--config FILE | --url URL] [--json]`: asks the running hub, through its panel port on
 * loopback (GET /api/status), how its outbox, disk budget and relay link are doing, and prints a
 * summary for a person, or the JSON as it came (docs/status.md).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { CliIo } from '../cli.ts';
import { loadHubConfig } from '../config.ts';

export const STATUS_USAGE = `Usage:
  hub status [--config FILE | --url http://127.0.0.1:PORT] [--json]

Asks the hub running on this machine (its panel port, on loopback) for its outbox depth per lane,
oldest event, drain rate and time to empty, bytes used against the disk budget, what was shed,
and the relay link with its last error.
  -c, --config FILE  the hub's config, for its panel port (env HUB_CONFIG; HUB_PANEL_PORT overrides)
      --url URL      the panel's base URL instead (default http://127.0.0.1:8080)
      --json         print the hub's answer as JSON
Exit status: 0 ok, 1 the hub did not answer (or refused), 2 bad usage or config.
`;

const DEFAULT_PANEL_PORT = 8080;
const TIMEOUT_MS = 5_000;

const Lane = z.looseObject({ depth: z.number(), oldestHubTime: z.string().nullable(), oldestAgeS: z.number().nullable(), bytes: z.number() });
const Counts = z.record(z.string(), z.number());
/** The part of the hub's answer this command prints; anything more is kept for --json. */
const StatusAnswer = z.looseObject({
  hubId: z.string(),
  at: z.string(),
  outbox: z.looseObject({
    depth: z.number(),
    oldestAgeS: z.number().nullable(),
    lanes: z.record(z.string(), Lane),
    drainRatePerS: z.number(),
    etaS: z.number().nullable(),
    bytes: z.looseObject({ used: z.number(), budget: z.number(), reserve: z.number(), ceiling: z.number(), usedPercent: z.number() }),
  }),
  shedding: z.looseObject({
    thinned: Counts,
    dropped: Counts,
    summaries: z.number(),
    last: z.looseObject({ action: z.string(), at: z.string(), events: z.number(), from: z.string(), to: z.string() }).nullable(),
  }),
  link: z.looseObject({
    state: z.string(),
    lastError: z.looseObject({ reason: z.string(), message: z.string(), status: z.number().optional(), at: z.string() }).nullable(),
    lastSuccessAt: z.string().nullable(),
  }),
  downlink: z
    .looseObject({
      pulling: z.boolean(),
      version: z.number().nullable(),
      source: z.string(),
      appliedAt: z.string().nullable(),
      lastError: z.string().nullable(),
      refused: z.looseObject({ version: z.number().nullable(), at: z.string(), errors: z.array(z.looseObject({ path: z.string(), message: z.string() })) }).nullable(),
      diskError: z.string().nullable(),
    })
    .optional(),
});
export type StatusAnswer = z.infer<typeof StatusAnswer>;

export async function statusCommand(args: readonly string[], io: CliIo, fetchImpl: typeof fetch = fetch): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { config: { type: 'string', short: 'c' }, url: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    io.err(`hub status: ${(err as Error).message}`);
    io.err(STATUS_USAGE);
    return 2;
  }
  if (values.help) {
    io.out(STATUS_USAGE);
    return 0;
  }
  if (values.url !== undefined && values.config !== undefined) {
    io.err('hub status: give --config or --url, not both');
    return 2;
  }
  const base = values.url ?? panelUrl(values.config ?? io.env.HUB_CONFIG, io);
  if (base === null) return 2;
  let url: URL;
  try {
    url = new URL('/api/status', base);
  } catch {
    io.err(`hub status: not a URL: ${base}`);
    return 2;
  }
  let res: Response;
  let body: string;
  try {
    res = await fetchImpl(url, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/json' } });
    body = await res.text();
  } catch (err) {
    io.err(`hub status: no answer from ${url.origin} (${(err as Error).message}); is the hub running, with its panel on this port?`);
    return 1;
  }
  if (!res.ok) {
    const message = messageOf(body);
    io.err(`hub status: the hub answered ${res.status}${message ? `: ${message}` : ''}`);
    return 1;
  }
  let parsed;
  try {
    parsed = StatusAnswer.safeParse(JSON.parse(body));
  } catch {
    parsed = null;
  }
  if (!parsed?.success) {
    io.err(`hub status: ${url.origin} did not answer with a hub status (an older hub, or another service on this port?)`);
    return 1;
  }
  if (values.json) io.out(JSON.stringify(parsed.data, null, 2));
  else for (const line of formatStatus(parsed.data)) io.out(line);
  return 0;
}

/** The panel's loopback URL from the config (or the default port); null after printing a config error. */
function panelUrl(file: string | undefined, io: CliIo): string | null {
  if (file === undefined) {
    const port = io.env.HUB_PANEL_PORT ?? String(DEFAULT_PANEL_PORT);
    return `http://127.0.0.1:${port}`;
  }
  const result = loadHubConfig({ file, env: io.env });
  if (!result.ok) {
    io.err(`hub status: invalid configuration (${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}):`);
    for (const e of result.errors) io.err(`  ${e.path}: ${e.message}`);
    return null;
  }
  const { host, port } = result.config.panel;
  if (port === 0) {
    io.err('hub status: the config lets the panel pick any free port (panel.port 0): give --url with the port it printed');
    return null;
  }
  // The status answers loopback only: a panel on every address is reached through 127.0.0.1.
  const target = host === '0.0.0.0' || host === '::' || host === 'localhost' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${target}:${port}`;
}

function messageOf(body: string): string {
  try {
    const json = JSON.parse(body) as { message?: unknown };
    if (typeof json.message === 'string') return json.message;
  } catch {
    // not JSON: the start of it says enough
  }
  return body.slice(0, 200);
}

/** The lines a person reads. */
export function formatStatus(s: StatusAnswer): string[] {
  const o = s.outbox;
  const lines = [`hub ${s.hubId} at ${s.at}`];
  const link = s.link;
  const error = link.lastError ? `; last error ${link.lastError.at}: ${link.lastError.reason}${link.lastError.status ? ` (${link.lastError.status})` : ''}: ${link.lastError.message}` : '; no relay error';
  lines.push(`link        ${link.state}${link.state === 'off' ? ' (no relay configured)' : `${error}; last success ${link.lastSuccessAt ?? 'never'}`}`);
  lines.push(`outbox      ${count(o.depth, 'event')} waiting${o.oldestAgeS === null ? '' : `, oldest ${duration(o.oldestAgeS)} old`}`);
  for (const [name, lane] of Object.entries(o.lanes)) {
    lines.push(`  ${name.padEnd(10)}${count(lane.depth, 'event')}${lane.oldestAgeS === null ? '' : `, oldest ${duration(lane.oldestAgeS)} old`}, ${bytes(lane.bytes)}`);
  }
  const eta = o.etaS === null ? 'unknown (nothing is draining)' : o.etaS === 0 ? 'empty' : `about ${duration(o.etaS)}`;
  lines.push(`drain       ${round(o.drainRatePerS)} events/s; time to empty: ${eta}`);
  lines.push(`budget      ${bytes(o.bytes.used)} of ${bytes(o.bytes.budget)} (${o.bytes.usedPercent} %); telemetry shed above ${bytes(o.bytes.ceiling)}, ${bytes(o.bytes.reserve)} kept for alarms`);
  const sum = (c: Record<string, number>) => Object.entries(c).reduce((n, [k, v]) => (k.includes(':') ? n : n + v), 0);
  const thinned = sum(s.shedding.thinned);
  const dropped = sum(s.shedding.dropped);
  lines.push(
    `shed        ${thinned === 0 && dropped === 0 ? 'nothing since start' : `thinned ${count(thinned, 'reading')} into ${count(s.shedding.summaries, 'summary', 'summaries')}, dropped ${count(dropped, 'event')}${dropped > 0 ? ` (${kinds(s.shedding.dropped)})` : ''}`}`,
  );
  const last = s.shedding.last;
  if (last) lines.push(`last shed   ${last.action} ${count(last.events, 'event')} received ${last.from} .. ${last.to}, at ${last.at}`);
  if (s.downlink) lines.push(...formatDownlink(s.downlink));
  return lines;
}

/** The downlink in force, a refused version with its first reasons, and why pulling or the copy on disk fails (docs/downlink.md#status). */
function formatDownlink(d: NonNullable<StatusAnswer['downlink']>): string[] {
  const inForce = d.version === null ? 'config file only' : `version ${d.version} (from ${d.source}${d.appliedAt ? `, applied ${d.appliedAt}` : ''})`;
  const lines = [`downlink    ${inForce}${d.pulling ? (d.lastError ? `; pull failing: ${d.lastError}` : '') : '; not pulling (no relay configured)'}`];
  if (d.refused) {
    const shown = d.refused.errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`).join('; ');
    const more = d.refused.errors.length > 3 ? `; and ${d.refused.errors.length - 3} more` : '';
    lines.push(`  refused   version ${d.refused.version ?? '(unreadable)'} at ${d.refused.at}: ${shown}${more}`);
  }
  if (d.diskError) lines.push(`  disk      ${d.diskError}`);
  return lines;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function kinds(c: Record<string, number>): string {
  return Object.entries(c)
    .filter(([k]) => !k.includes(':'))
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
    .join(', ');
}

function round(n: number): string {
  return n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}

/** 3725 → "1 h 2 min"; 42 → "42 s". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** 1536 → "1.5 KiB". */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : Math.round(v * 10) / 10} ${units[i]}`;
}
