/**
 * The hub's one config schema (STYLE.md 12): defaults and descriptions on each
 * field, file merged with HUB_* environment, every error reported with its path,
 * result frozen.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { deviceDefinitions } from '../drivers/index.ts';
import { Id } from '../protocols/event.ts';
import { RULES } from './rules/index.ts';
import { panelAccessFields, staffConfigFields } from './staff/staff-config.ts';

const Port = z.number().int().min(0).max(65535);
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (use `hub hash-secret`)');

const Room = z.strictObject({
  id: Id,
  name: z.string().min(1).max(100).describe('shown on the panel'),
});

const Receiver = z.strictObject({
  id: Id.describe('name of this receiver in the config'),
  model: z
    .enum(deviceDefinitions.filter((d) => d.transport === 'serial').map((d) => d.id) as [string, ...string[]])
    .default('call-receiver-v1')
    .describe('device definition id from drivers/index.ts'),
  path: z.string().min(1).optional().describe('serial device path; prefer /dev/serial/by-id/...'),
  match: z
    .strictObject({ vendorId: z.string().optional(), productId: z.string().optional(), serialNumber: z.string().optional() })
    .optional()
    .describe('find the port by USB ids instead of a path (ports move after replug)'),
  baudRate: z.number().int().positive().default(19200),
  address: z.number().int().min(1).max(254).describe('the RX address byte the receiver puts in its frames'),
  idleReopenMs: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('close and reopen a port silent this long (serialport can miss a hang-up); set above the call points\' heartbeat interval'),
});

const Device = z.strictObject({
  id: Id,
  model: z.enum(['call-point', 'vitals-monitor']).default('call-point').describe('what the device is; telemetry comes from vitals monitors'),
  roomId: Id.describe('room the device is installed in'),
  residentId: Id.optional(),
  callPoint: z
    .strictObject({ receiver: Id.describe('receiver id'), address: z.number().int().min(1).max(65534) })
    .optional()
    .describe('present when the device reports through a serial receiver'),
  mqtt: z
    .strictObject({ passwordSha256: Sha256Hex })
    .optional()
    .describe('present when the device publishes over MQTT (username = device id)'),
});

const ruleOptions = z.strictObject(
  Object.fromEntries(RULES.map((rule) => [rule.id, (rule.options as z.ZodType).optional()])) as Record<string, z.ZodOptional<z.ZodType>>,
);

export const HubConfig = z
  .strictObject({
    hubId: Id.describe('unique id of this hub at the relay'),
    dataDir: z.string().min(1).default('./data/hub').describe('LevelDB and state live here'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    panel: z
      .strictObject({
        host: z.string().default('0.0.0.0').describe('the panel is for the LAN'),
        port: Port.default(8080),
        ...panelAccessFields,
      })
      .prefault({}),
    broker: z
      .strictObject({
        host: z.string().default('0.0.0.0'),
        // Not 1883: a Mosquitto often owns it on the same box.
        port: Port.default(1884),
        maxPacketBytes: z.number().int().min(1024).default(65_536).describe('larger MQTT packets cut the connection'),
        maxConnections: z.number().int().positive().default(2000).describe('one building: about a thousand devices'),
      })
      .prefault({}),
    relay: z
      .strictObject({
        url: z.url().optional().describe('relay base URL; forwarding is off without it'),
        token: z.string().min(16).optional().describe('this hub\'s bearer credential (prefer HUB_RELAY_TOKEN)'),
        batchSize: z.number().int().min(1).max(1000).default(500),
        retryMinMs: z.number().int().positive().default(1000),
        retryMaxMs: z.number().int().positive().default(60_000),
        idleMs: z.number().int().positive().default(5000).describe('poll interval when nothing new is appended'),
      })
      .prefault({}),
    dedupWindowMs: z.number().int().positive().default(60_000).describe('a call point repeating a seq within this window is a duplicate'),
    rooms: z.array(Room).default([]),
    receivers: z.array(Receiver).default([]),
    devices: z.array(Device).default([]),
    rules: ruleOptions.prefault({}),
    ...staffConfigFields,
  })
  .superRefine((config, ctx) => {
    const rooms = new Set(config.rooms.map((r) => r.id));
    const receivers = new Set(config.receivers.map((r) => r.id));
    duplicates(config.rooms, 'rooms', ctx);
    duplicates(config.receivers, 'receivers', ctx);
    duplicates(config.devices, 'devices', ctx);
    const callPoints = new Set<string>();
    config.receivers.forEach((r, i) => {
      if (!r.path && !r.match) ctx.addIssue({ code: 'custom', path: ['receivers', i], message: 'needs a path or a match' });
    });
    config.devices.forEach((d, i) => {
      if (!rooms.has(d.roomId)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'roomId'], message: `unknown room "${d.roomId}"` });
      if (!d.callPoint && !d.mqtt) ctx.addIssue({ code: 'custom', path: ['devices', i], message: 'needs callPoint or mqtt' });
      if (d.callPoint) {
        if (!receivers.has(d.callPoint.receiver)) {
          ctx.addIssue({ code: 'custom', path: ['devices', i, 'callPoint', 'receiver'], message: `unknown receiver "${d.callPoint.receiver}"` });
        }
        const key = `${d.callPoint.receiver}/${d.callPoint.address}`;
        if (callPoints.has(key)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'callPoint'], message: `call point ${key} is used twice` });
        callPoints.add(key);
      }
    });
    if (config.relay.url && !config.relay.token) {
      ctx.addIssue({ code: 'custom', path: ['relay', 'token'], message: 'required when relay.url is set' });
    }
  });

export type HubConfig = z.infer<typeof HubConfig>;
export type DeviceConfig = HubConfig['devices'][number];
export type ReceiverConfig = HubConfig['receivers'][number];

function duplicates(items: Array<{ id: string }>, path: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: [path, i, 'id'], message: `duplicate id "${item.id}"` });
    seen.add(item.id);
  });
}

export interface ConfigIssue {
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: Readonly<HubConfig> } | { ok: false; errors: ConfigIssue[] };

/** Environment variables that override the file, and where they go. */
export const HUB_ENV: Record<string, { path: string[]; type: 'string' | 'number' }> = {
  HUB_ID: { path: ['hubId'], type: 'string' },
  HUB_DATA_DIR: { path: ['dataDir'], type: 'string' },
  HUB_LOG_LEVEL: { path: ['logLevel'], type: 'string' },
  HUB_PANEL_HOST: { path: ['panel', 'host'], type: 'string' },
  HUB_PANEL_PORT: { path: ['panel', 'port'], type: 'number' },
  HUB_BROKER_HOST: { path: ['broker', 'host'], type: 'string' },
  HUB_BROKER_PORT: { path: ['broker', 'port'], type: 'number' },
  HUB_RELAY_URL: { path: ['relay', 'url'], type: 'string' },
  HUB_RELAY_TOKEN: { path: ['relay', 'token'], type: 'string' },
};

export interface LoadHubConfigInput {
  file?: string;
  env?: Record<string, string | undefined>;
  /** Highest precedence: values from CLI flags, as env-style names (e.g. HUB_PANEL_PORT). */
  overrides?: Record<string, string | undefined>;
}

export function loadHubConfig(input: LoadHubConfigInput): ConfigResult {
  let raw: unknown = {};
  if (input.file) {
    try {
      raw = JSON.parse(readFileSync(input.file, 'utf8'));
    } catch (err) {
      return { ok: false, errors: [{ path: input.file, message: `cannot read config: ${(err as Error).message}` }] };
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return { ok: false, errors: [{ path: '(root)', message: 'config must be a JSON object' }] };
    }
  }
  const errors: ConfigIssue[] = [];
  const merged = structuredClone(raw) as Record<string, unknown>;
  for (const source of [input.env ?? {}, input.overrides ?? {}]) {
    for (const [name, spec] of Object.entries(HUB_ENV)) {
      const value = source[name];
      if (value === undefined || value === '') continue;
      const typed = spec.type === 'number' ? Number(value) : value;
      if (spec.type === 'number' && !Number.isFinite(typed)) {
        errors.push({ path: name, message: `expected a number, got "${value}"` });
        continue;
      }
      setPath(merged, spec.path, typed);
    }
  }
  const result = HubConfig.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      // Name each unknown key by its own path, not its parent's.
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      for (const key of keys) {
        const path = key === undefined ? issue.path : [...issue.path, key];
        errors.push({ path: path.join('.') || '(root)', message: key === undefined ? issue.message : 'unknown key' });
      }
    }
  }
  if (errors.length > 0 || !result.success) return { ok: false, errors };
  return { ok: true, config: deepFreeze(result.data) };
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
