/**
 * The hub's one config schema (docs/architecture.md#conventions): defaults and descriptions on each
 * field, file merged with HUB_* environment, every error reported with its path,
 * result frozen.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { deviceDefinitions, getDeviceDefinition } from '../drivers/index.ts';
import { MAX_DOWNLINK_WAIT_SECONDS } from '../protocols/downlink.ts';
import { Id } from '../protocols/event.ts';
import { ZIGBEE2MQTT_ROLES } from '../protocols/zigbee2mqtt/index.ts';
import { AlarmsConfig } from './alarms/escalation.ts';
import { RULES } from './rules/index.ts';
import { panelAccessFields, staffConfigFields } from './staff/staff-config.ts';

const Port = z.number().int().min(0).max(65535);
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (use `hub hash-secret`)');

const Room = z.strictObject({
  id: Id,
  name: z.string().min(1).max(100).describe('shown on the panel'),
});

/** Where a serial device is and how to talk to it; the line settings default to the model's own. */
const serialPortFields = {
  path: z.string().min(1).optional().describe('serial device path; prefer /dev/serial/by-id/...'),
  match: z
    .strictObject({ vendorId: z.string().optional(), productId: z.string().optional(), serialNumber: z.string().optional() })
    .optional()
    .describe('find the port by USB ids instead of a path (ports move after replug)'),
  baudRate: z.number().int().positive().optional().describe('overrides the model\'s baud rate'),
  dataBits: z.union([z.literal(7), z.literal(8)]).optional().describe('overrides the model\'s data bits'),
  parity: z.enum(['none', 'odd', 'even']).optional().describe('overrides the model\'s parity'),
  stopBits: z.union([z.literal(1), z.literal(2)]).optional().describe('overrides the model\'s stop bits'),
  idleReopenMs: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('close and reopen a port silent this long (serialport can miss a hang-up); set above the device\'s heartbeat interval'),
};

const relayingModels = deviceDefinitions.filter((d) => d.transport === 'serial' && d.relays).map((d) => d.id);

const Receiver = z.strictObject({
  id: Id.describe('name of this receiver in the config'),
  model: z
    .enum(relayingModels as [string, ...string[]])
    .default('call-receiver-v1')
    .describe('receiver model id from drivers/index.ts'),
  ...serialPortFields,
  address: z.number().int().min(1).max(254).describe('the RX address byte the receiver puts in its frames'),
});

/** The config section that says how a device reaches the hub, and the transport each one means. */
export const DEVICE_TRANSPORTS = { callPoint: 'serial', serial: 'serial', mqtt: 'mqtt', ble: 'ble', zigbee2mqtt: 'zigbee2mqtt' } as const;

/** The model a device has when its config names none: the hub's own MQTT topics for MQTT devices. */
export const DEFAULT_MQTT_MODEL = 'carehub-mqtt';

const Device = z.strictObject({
  id: Id,
  model: z
    .string()
    .optional()
    .describe(`device model id from drivers/index.ts; required for serial, BLE and zigbee2mqtt devices, "${DEFAULT_MQTT_MODEL}" for MQTT devices by default; none for a call point behind a receiver`),
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
  serial: z.strictObject(serialPortFields).optional().describe('present when the device is on its own serial port'),
  ble: z
    .strictObject({ address: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i, 'a Bluetooth address such as aa:bb:cc:dd:ee:ff') })
    .optional()
    .describe('present when the device is a Bluetooth LE peripheral bound to this hub'),
  zigbee2mqtt: z
    .strictObject({
      friendlyName: z.string().min(1).max(200).describe('the device\'s friendly name in zigbee2mqtt'),
      role: z.enum(ZIGBEE2MQTT_ROLES).default('sensor').describe('what the installer uses it for: call, cancel, bed-exit, door or sensor'),
    })
    .optional()
    .describe('present when the device is paired with zigbee2mqtt'),
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
        maxConnections: z
          .number()
          .int()
          .positive()
          .default(2000)
          .describe('authenticated device connections at once (one building: about a thousand devices); unauthenticated ones have their own budget'),
        maxPendingConnections: z
          .number()
          .int()
          .positive()
          .default(100)
          .describe('connections that have not authenticated yet, all addresses together; when full the oldest is closed'),
        maxPendingPerAddress: z
          .number()
          .int()
          .positive()
          .default(10)
          .describe('connections that have not authenticated yet from one remote address; more are refused'),
        connectTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(5000)
          .describe('a connection that has not sent CONNECT and logged in within this is closed (aedes alone waits 30 s)'),
      })
      .prefault({}),
    relay: z
      .strictObject({
        url: z.url().optional().describe('relay base URL; forwarding is off without it; https:// unless the host is loopback'),
        allowInsecureHttp: z
          .boolean()
          .default(false)
          .describe('allow an http:// relay URL on a non-loopback host (the token then crosses the network in the clear)'),
        token: z.string().min(16).optional().describe('this hub\'s bearer credential (prefer HUB_RELAY_TOKEN, or `hub provision`, which stores it in the data folder)'),
        batchSize: z.number().int().min(1).max(1000).default(500),
        retryMinMs: z.number().int().positive().default(1000),
        retryMaxMs: z.number().int().positive().default(60_000),
        idleMs: z.number().int().positive().default(5000).describe('poll interval when nothing new is appended'),
        downlink: z
          .strictObject({
            waitSeconds: z
              .number()
              .int()
              .min(0)
              .max(MAX_DOWNLINK_WAIT_SECONDS)
              .default(25)
              .describe('long-poll: the relay holds each pull up to this long until a new version exists; 0 polls every intervalMs instead'),
            intervalMs: z.number().int().min(100).default(2000).describe('pause between two downlink pulls (ms); with waitSeconds 0, the polling period'),
          })
          .prefault({})
          .describe('pulling the downlink (docs/downlink.md); on whenever relay.url is set'),
      })
      .prefault({}),
    outbox: z
      .strictObject({
        maxBytes: z
          .number()
          .int()
          .min(65_536)
          .default(512 * 1024 * 1024)
          .describe('disk budget of the outbox (bytes of stored events, before LevelDB compression); near it telemetry is thinned, then dropped oldest first (docs/disk-budget.md)'),
        criticalReserveBytes: z
          .number()
          .int()
          .min(0)
          .default(32 * 1024 * 1024)
          .describe('part of maxBytes only critical events (alarms, calls, audit) may fill; telemetry is shed above maxBytes minus this'),
        diskMarginBytes: z
          .number()
          .int()
          .min(0)
          .default(16 * 1024 * 1024)
          .describe("kept free on the data folder's filesystem for LevelDB's log and compactions: the budget comes down to what the disk holds less this (docs/disk-budget.md#free-space)"),
      })
      .refine((o) => o.criticalReserveBytes < o.maxBytes, { message: 'criticalReserveBytes must be less than maxBytes', path: ['criticalReserveBytes'] })
      .prefault({}),
    ble: z
      .strictObject({
        poweredOnTimeoutMs: z.number().int().positive().default(10_000).describe('how long to wait for the adapter to power on before reporting it missing'),
      })
      .prefault({})
      .describe('Bluetooth LE; the adapter is opened only when a device has a ble section'),
    zigbee2mqtt: z
      .strictObject({
        baseTopic: z.string().min(1).regex(/^[^#+]+$/, 'no MQTT wildcards').default('zigbee2mqtt').describe('zigbee2mqtt\'s base_topic'),
        url: z.url().optional().describe('an existing broker zigbee2mqtt publishes to (mqtt:// or mqtts://); the hub subscribes there'),
        username: z.string().optional().describe('login at that broker'),
        password: z.string().optional().describe('password at that broker (prefer HUB_ZIGBEE2MQTT_PASSWORD)'),
        bridge: z
          .strictObject({
            username: z.string().min(1).default('zigbee2mqtt'),
            passwordSha256: Sha256Hex,
          })
          .optional()
          .describe('lets a zigbee2mqtt pointed at the hub\'s own broker log in; it may use only <baseTopic>/# topics'),
      })
      .prefault({}),
    dedupWindowMs: z.number().int().positive().default(60_000).describe('a call point repeating a seq within this window is a duplicate'),
    rooms: z.array(Room).default([]),
    receivers: z.array(Receiver).default([]),
    devices: z.array(Device).default([]),
    rules: ruleOptions.prefault({}),
    alarms: AlarmsConfig.describe('escalation times per priority, the return time of an acknowledged alarm, and the tiers (docs/alarms.md)'),
    ...staffConfigFields,
  })
  // Runs even when other fields fail, so an unknown room or receiver is reported in the same run
  // as a typo elsewhere; the value may then be partly unparsed, so checkCrossReferences reads it warily.
  .superRefine((config, ctx) => checkCrossReferences(config, ctx), { when: () => true });

export type HubConfig = z.infer<typeof HubConfig>;
export type DeviceConfig = HubConfig['devices'][number];
export type ReceiverConfig = HubConfig['receivers'][number];

type Issue = { path: Array<string | number>; message: string };

/**
 * Cross-field checks over a value that may not have parsed: ids unique per list, every reference
 * names something listed, the relay is reached safely. An entry whose field already failed its own
 * schema is left to that message, so no path is reported twice.
 */
function checkCrossReferences(value: unknown, ctx: z.RefinementCtx): void {
  const taken = new Set(ctx.issues.map((i) => (i.path ?? []).join('.')));
  const report = (issue: Issue) => {
    if (taken.has(issue.path.join('.'))) return;
    taken.add(issue.path.join('.'));
    ctx.addIssue({ code: 'custom', ...issue });
  };
  if (!isRecord(value)) return;
  const rooms = listOf(value.rooms);
  const receivers = listOf(value.receivers);
  const devices = listOf(value.devices);
  for (const [name, items] of [['rooms', rooms], ['receivers', receivers], ['devices', devices]] as const) {
    duplicates(items, name, report);
  }
  // A list that is not a list at all names nothing: skip references into it rather than flag them all.
  const roomIds = Array.isArray(value.rooms) ? idsOf(rooms) : undefined;
  const receiverIds = Array.isArray(value.receivers) ? idsOf(receivers) : undefined;
  receivers.forEach((r, i) => {
    if (isRecord(r) && r.path === undefined && r.match === undefined) report({ path: ['receivers', i], message: 'needs a path or a match' });
  });
  devices.forEach((d, i) => {
    if (isRecord(d) && isRecord(d.serial) && d.serial.path === undefined && d.serial.match === undefined) {
      report({ path: ['devices', i, 'serial'], message: 'needs a path or a match' });
    }
  });
  /** `receiver/address` of each call point seen so far */
  const callPoints = new Set<string>();
  /** zigbee2mqtt friendly names seen so far */
  const friendlyNames = new Set<string>();
  devices.forEach((d, i) => {
    if (!isRecord(d)) return;
    if (roomIds && typeof d.roomId === 'string' && !roomIds.has(d.roomId)) {
      report({ path: ['devices', i, 'roomId'], message: `unknown room "${d.roomId}"` });
    }
    checkDeviceModel(d, i, report);
    if (isRecord(d.callPoint)) {
      const { receiver, address } = d.callPoint;
      if (receiverIds && typeof receiver === 'string' && !receiverIds.has(receiver)) {
        report({ path: ['devices', i, 'callPoint', 'receiver'], message: `unknown receiver "${receiver}"` });
      }
      const key = `${String(receiver)}/${String(address)}`;
      if (callPoints.has(key)) report({ path: ['devices', i, 'callPoint'], message: `call point ${key} is used twice` });
      callPoints.add(key);
    }
    if (isRecord(d.zigbee2mqtt) && typeof d.zigbee2mqtt.friendlyName === 'string') {
      const name = d.zigbee2mqtt.friendlyName;
      if (friendlyNames.has(name)) report({ path: ['devices', i, 'zigbee2mqtt', 'friendlyName'], message: `friendly name "${name}" is used twice` });
      friendlyNames.add(name);
    }
  });
  const z2m = isRecord(value.zigbee2mqtt) ? value.zigbee2mqtt : {};
  if (friendlyNames.size > 0 && z2m.url === undefined && z2m.bridge === undefined) {
    report({ path: ['zigbee2mqtt'], message: 'zigbee2mqtt devices are configured: set zigbee2mqtt.url (an existing broker) or zigbee2mqtt.bridge (zigbee2mqtt logs in to the hub)' });
  }
  if (isRecord(value.relay)) checkRelay(value.relay, report);
}

/** A device names one way to reach the hub, and a registered model of that transport (drivers/index.ts). */
function checkDeviceModel(d: Record<string, unknown>, i: number, report: (issue: Issue) => void): void {
  const sections = (Object.keys(DEVICE_TRANSPORTS) as Array<keyof typeof DEVICE_TRANSPORTS>).filter((key) => d[key] !== undefined);
  if (sections.length !== 1) {
    const names = Object.keys(DEVICE_TRANSPORTS).join(', ');
    report({ path: ['devices', i], message: sections.length === 0 ? `needs one of ${names}` : `has ${sections.join(' and ')}: give only one of ${names}` });
    return;
  }
  const section = sections[0]!;
  if (section === 'callPoint') {
    if (d.model !== undefined) report({ path: ['devices', i, 'model'], message: 'a call point behind a receiver has the receiver\'s model: remove model' });
    return;
  }
  const modelId = d.model ?? (section === 'mqtt' ? DEFAULT_MQTT_MODEL : undefined);
  if (typeof modelId !== 'string') {
    report({ path: ['devices', i, 'model'], message: `required for a ${section} device` });
    return;
  }
  const model = getDeviceDefinition(modelId);
  const transport = DEVICE_TRANSPORTS[section];
  const fitting = deviceDefinitions.filter((m) => m.transport === transport && !('relays' in m && m.relays)).map((m) => m.id);
  if (!model || model.transport !== transport || ('relays' in model && model.relays)) {
    report({ path: ['devices', i, 'model'], message: `"${modelId}" is not a ${transport} device model; known: ${fitting.join(', ') || 'none yet'}` });
  }
}

/** The hub's bearer token travels with every batch: only over TLS, or on this machine, or where the config says so. */
function checkRelay(relay: Record<string, unknown>, report: (issue: Issue) => void): void {
  // No token with a url is fine: `hub provision` stores one in the data folder (docs/provisioning.md).
  if (typeof relay.url !== 'string') return;
  let url: URL;
  try {
    url = new URL(relay.url);
  } catch {
    return; // the url field's own check names it
  }
  // Never echo the URL in these messages: it may hold the very credentials being refused.
  if (url.username !== '' || url.password !== '') {
    report({ path: ['relay', 'url'], message: 'must not hold credentials (fetch refuses them); put the token in relay.token or HUB_RELAY_TOKEN' });
  } else if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname) && relay.allowInsecureHttp !== true) {
      report({
        path: ['relay', 'url'],
        message: 'http:// would send the hub token unencrypted: use https://, a loopback host, or set relay.allowInsecureHttp: true',
      });
    }
  } else if (url.protocol !== 'https:') {
    report({ path: ['relay', 'url'], message: `must be an https:// URL, not ${url.protocol}//` });
  }
}

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') return true;
  // WHATWG URL has already normalised IPv4 forms (0x7f.1, 2130706433) to dotted decimal.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function idsOf(items: unknown[]): Set<string> {
  return new Set(items.flatMap((item) => (isRecord(item) && typeof item.id === 'string' ? [item.id] : [])));
}

function duplicates(items: unknown[], path: string, report: (issue: Issue) => void): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (!isRecord(item) || typeof item.id !== 'string') return;
    if (seen.has(item.id)) report({ path: [path, i, 'id'], message: `duplicate id "${item.id}"` });
    seen.add(item.id);
  });
}

export interface ConfigIssue {
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: Readonly<HubConfig> } | { ok: false; errors: ConfigIssue[] };

/** Environment variables that override the file, where they go, and the command-line flag that sets each (if any). */
export const HUB_ENV: Record<string, { path: string[]; type: 'string' | 'number'; flag?: string }> = {
  HUB_ID: { path: ['hubId'], type: 'string' },
  HUB_DATA_DIR: { path: ['dataDir'], type: 'string', flag: '--data' },
  HUB_LOG_LEVEL: { path: ['logLevel'], type: 'string', flag: '--log-level' },
  HUB_PANEL_HOST: { path: ['panel', 'host'], type: 'string' },
  HUB_PANEL_PORT: { path: ['panel', 'port'], type: 'number', flag: '--panel-port' },
  HUB_BROKER_HOST: { path: ['broker', 'host'], type: 'string' },
  HUB_BROKER_PORT: { path: ['broker', 'port'], type: 'number', flag: '--broker-port' },
  HUB_RELAY_URL: { path: ['relay', 'url'], type: 'string', flag: '--relay-url' },
  HUB_RELAY_TOKEN: { path: ['relay', 'token'], type: 'string' },
  HUB_OUTBOX_MAX_BYTES: { path: ['outbox', 'maxBytes'], type: 'number' },
  HUB_ZIGBEE2MQTT_PASSWORD: { path: ['zigbee2mqtt', 'password'], type: 'string' },
};

export interface LoadHubConfigInput {
  file?: string;
  env?: Record<string, string | undefined>;
  /**
   * Highest precedence: values from CLI flags, keyed by their env-style names (e.g. HUB_PANEL_PORT).
   * A bad value is reported under the flag's name (`--panel-port`), as the user typed it.
   */
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
  /** config path (dotted) → the env variable or flag whose value is there now, so its errors name it */
  const setBy = new Map<string, string>();
  for (const [source, fromFlags] of [[input.env ?? {}, false], [input.overrides ?? {}, true]] as const) {
    for (const [name, spec] of Object.entries(HUB_ENV)) {
      const value = source[name];
      if (value === undefined || value === '') continue;
      const label = fromFlags ? (spec.flag ?? name) : name;
      const typed = spec.type === 'number' ? Number(value) : value;
      if (spec.type === 'number' && (!/^-?\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(typed))) {
        errors.push({ path: label, message: `expected a number, got "${value}"` });
        continue;
      }
      setPath(merged, spec.path, typed);
      setBy.set(spec.path.join('.'), label);
    }
  }
  const result = HubConfig.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      // Name each unknown key by its own path, not its parent's.
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      for (const key of keys) {
        const path = (key === undefined ? issue.path : [...issue.path, key]).join('.');
        const message = key === undefined ? issue.message : 'unknown key';
        const label = setBy.get(path);
        errors.push(label ? { path: label, message: `${message} (sets ${path})` } : { path: path || '(root)', message });
      }
    }
  }
  if (errors.length > 0 || !result.success) return { ok: false, errors };
  return { ok: true, config: deepFreeze(result.data) };
}

/**
 * The config file may hold the relay token and staff PIN hashes: warn when users other than the
 * owner can read it. Returns whether it warned.
 */
export function warnIfConfigReadable(file: string, logger: { warn(obj: object, msg: string): void }): boolean {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    return false; // loading it just worked; a file gone since is not this check's to report
  }
  if ((mode & 0o044) === 0) return false;
  logger.warn(
    { file, mode: `0${mode.toString(8)}` },
    'config file is readable by other users and may hold the relay token: chmod 600 it',
  );
  return true;
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
