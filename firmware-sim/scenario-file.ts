/**
 * Scenario files (docs/firmware-sim.md#scenario-files): YAML naming the residents, their devices and
 * a timeline of steps at times such as "10s" or "2m30s". Parsed with the `yaml` package, checked with
 * zod, and cross-checked (a step names a device or resident the file declares, and a device that can
 * do that step). Every problem is reported at once with its line, column and field path.
 */
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { z } from 'zod';
import { CALL_POINT_EVENTS } from '../protocols/call-frame.ts';
import type { BleSimKind } from './ble-sims.ts';

// ---------------------------------------------------------------------------------------------
// Durations

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/** "10s", "2m", "1m30s", "500ms", "1.5h" → ms; null when it is not such a duration. */
export function parseDuration(text: string): number | null {
  const compact = text.replace(/\s+/g, '');
  if (!DURATION.test(compact)) return null;
  let total = 0;
  for (const [, n, unit] of compact.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return Math.round(total);
}

/** A time: a string with units, or 0. Other bare numbers are refused: "at: 10" could mean ms or s. */
const Duration = z.unknown().transform((v, ctx) => {
  if (v === 0) return 0;
  if (v === undefined) {
    ctx.addIssue({ code: 'custom', message: 'missing: give a time such as 10s or 2m' });
    return z.NEVER;
  }
  const ms = typeof v === 'string' ? parseDuration(v) : null;
  if (ms === null) {
    const shown = typeof v === 'string' ? `"${v}"` : String(JSON.stringify(v));
    const hint = typeof v === 'number' ? ' (a bare number has no unit)' : '';
    ctx.addIssue({ code: 'custom', message: `${shown} is not a duration${hint}: write e.g. 500ms, 10s, 2m, 1m30s, 1h` });
    return z.NEVER;
  }
  return ms;
});

// ---------------------------------------------------------------------------------------------
// Residents and devices

const Id = z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'letters, digits, _ . - (starting with a letter or digit)');
const Percent = z.number().min(0).max(100);
const VitalValues = {
  spo2: Percent.optional(),
  pulse: z.number().min(20).max(250).optional(),
  temperature: z.number().min(30).max(45).optional(),
  respiration: z.number().min(0).max(80).optional(),
};

const Resident = z.strictObject({
  id: Id,
  vitals: z.strictObject({ ...VitalValues, fingerIn: z.boolean().optional() }).optional(),
});

export const SERIAL_DEVICE_TYPES = ['cms50-v7', 'cms50-legacy', 'seeed-mr60fda2', 'hilink-ld2410', 'call-receiver'] as const;
/** One per BLE sim kind, prefixed (test/firmware-sim/scenario-file.test.ts checks they match BLE_SIM_KINDS). */
export const BLE_DEVICE_TYPES = ['ble-heart-rate', 'ble-blood-pressure', 'ble-health-thermometer', 'ble-pulse-oximeter', 'ble-weight-scale', 'ble-glucose'] as const satisfies readonly `ble-${BleSimKind}`[];

const DeviceCommon = { id: Id, resident: Id.optional() };
const Device = z.discriminatedUnion('type', [
  z.strictObject({ ...DeviceCommon, type: z.enum(['cms50-v7', 'cms50-legacy']) }),
  z.strictObject({ ...DeviceCommon, type: z.literal('seeed-mr60fda2'), aliveEvery: Duration.optional() }),
  z.strictObject({ ...DeviceCommon, type: z.literal('hilink-ld2410') }),
  z.strictObject({ ...DeviceCommon, type: z.literal('call-receiver'), address: z.number().int().min(1).max(254).default(1) }),
  z.strictObject({
    ...DeviceCommon,
    type: z.literal('mqtt-call-point'),
    /** The device's MQTT password, or the environment variable that holds it. */
    password: z.string().min(1).optional(),
    passwordEnv: z.string().min(1).optional(),
  }),
  z.strictObject({ ...DeviceCommon, type: z.literal('zigbee2mqtt'), friendlyName: z.string().min(1) }),
  z.strictObject({ ...DeviceCommon, type: z.enum(BLE_DEVICE_TYPES), address: z.string().regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, 'a BLE address aa:bb:cc:dd:ee:ff') }),
]);
export type ScenarioDevice = z.infer<typeof Device>;
export type DeviceType = ScenarioDevice['type'];

// ---------------------------------------------------------------------------------------------
// Steps

const At = { at: Duration };
const OnDevice = { ...At, device: Id };
const OnResident = { ...At, resident: Id };

const Step = z.discriminatedUnion('do', [
  z.strictObject({ ...OnResident, do: z.literal('set-vitals'), ...VitalValues }),
  z.strictObject({ ...OnResident, do: z.literal('drift-vitals'), to: z.strictObject(VitalValues), over: Duration }),
  z.strictObject({ ...OnResident, do: z.enum(['finger-out', 'finger-in']) }),
  z.strictObject({ ...OnDevice, do: z.literal('fall'), fallen: z.boolean().default(true) }),
  z.strictObject({ ...OnDevice, do: z.literal('presence'), present: z.boolean() }),
  z.strictObject({ ...OnDevice, do: z.literal('motion'), motion: z.enum(['none', 'stationary', 'moving']) }),
  z.strictObject({
    ...OnDevice,
    do: z.literal('press'),
    /** call-receiver: which call point (its address). */
    callPoint: z.number().int().min(1).max(65534).optional(),
    /** call-receiver and mqtt-call-point: the event (default call). */
    event: z.enum(CALL_POINT_EVENTS).optional(),
    /** zigbee2mqtt: the action value (default single). */
    action: z.string().min(1).optional(),
  }),
  z.strictObject({
    ...OnDevice,
    do: z.literal('state'),
    occupancy: z.boolean().optional(),
    contact: z.boolean().optional(),
    water_leak: z.boolean().optional(),
    battery: Percent.optional(),
    linkquality: z.number().int().min(0).max(255).optional(),
  }),
  z.strictObject({ ...OnDevice, do: z.literal('availability'), online: z.boolean() }),
  z.strictObject({ ...OnDevice, do: z.enum(['unplug', 'replug']) }),
  z.strictObject({
    ...OnDevice,
    do: z.literal('measure'),
    systolic: z.number().min(40).max(300).optional(),
    diastolic: z.number().min(20).max(200).optional(),
    pulse: z.number().min(20).max(250).optional(),
    celsius: z.number().min(30).max(45).optional(),
    spo2: Percent.optional(),
    kg: z.number().positive().max(500).optional(),
    mmolPerL: z.number().positive().max(50).optional(),
  }),
  z.strictObject({ ...At, do: z.literal('log'), message: z.string() }),
]);
export type ScenarioStep = z.infer<typeof Step>;
export type StepKind = ScenarioStep['do'];

/** Which device types can do each device step (the rest need a resident or nothing). */
const CAN: Partial<Record<StepKind, readonly string[]>> = {
  fall: ['seeed-mr60fda2'],
  presence: ['seeed-mr60fda2', 'hilink-ld2410', 'zigbee2mqtt'],
  motion: ['seeed-mr60fda2', 'hilink-ld2410'],
  press: ['call-receiver', 'mqtt-call-point', 'zigbee2mqtt'],
  state: ['zigbee2mqtt'],
  availability: ['zigbee2mqtt'],
  unplug: SERIAL_DEVICE_TYPES,
  replug: SERIAL_DEVICE_TYPES,
  measure: ['ble-blood-pressure', 'ble-health-thermometer', 'ble-pulse-oximeter', 'ble-weight-scale', 'ble-glucose'],
};

/** The fields a measure step needs, by device type. */
const MEASURE_NEEDS: Record<string, readonly string[]> = {
  'ble-blood-pressure': ['systolic', 'diastolic'],
  'ble-health-thermometer': ['celsius'],
  'ble-pulse-oximeter': ['spo2', 'pulse'],
  'ble-weight-scale': ['kg'],
  'ble-glucose': ['mmolPerL'],
};

export const ScenarioSchema = z
  .strictObject({
    name: z.string().optional(),
    description: z.string().optional(),
    residents: z.array(Resident).default([]),
    devices: z.array(Device).default([]),
    timeline: z.array(Step).min(1, 'a scenario needs at least one step'),
    /** Keep the devices running this long after the start, even when the last step came earlier. */
    duration: Duration.optional(),
  })
  .superRefine((s, ctx) => {
    const residents = new Set<string>();
    s.residents.forEach((r, i) => {
      if (residents.has(r.id)) ctx.addIssue({ code: 'custom', path: ['residents', i, 'id'], message: `resident "${r.id}" is declared twice` });
      residents.add(r.id);
    });
    /** Devices keyed by id. */
    const devices = new Map<string, ScenarioDevice>();
    s.devices.forEach((d, i) => {
      if (devices.has(d.id)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `device "${d.id}" is declared twice` });
      devices.set(d.id, d);
      if (d.resident !== undefined && !residents.has(d.resident)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'resident'], message: `no resident "${d.resident}" in residents` });
      if (d.type === 'mqtt-call-point' && d.password === undefined && d.passwordEnv === undefined) {
        ctx.addIssue({ code: 'custom', path: ['devices', i], message: 'an mqtt-call-point needs password or passwordEnv' });
      }
    });
    s.timeline.forEach((step, i) => {
      if ('resident' in step && !residents.has(step.resident)) ctx.addIssue({ code: 'custom', path: ['timeline', i, 'resident'], message: `no resident "${step.resident}" in residents` });
      if (!('device' in step)) return;
      const device = devices.get(step.device);
      if (!device) {
        ctx.addIssue({ code: 'custom', path: ['timeline', i, 'device'], message: `no device "${step.device}" in devices` });
        return;
      }
      const allowed = CAN[step.do] ?? [];
      if (!allowed.includes(device.type)) {
        ctx.addIssue({ code: 'custom', path: ['timeline', i, 'do'], message: `${step.do} needs a device of type ${allowed.join(', ')}; "${device.id}" is a ${device.type}` });
        return;
      }
      if (step.do === 'press' && device.type === 'call-receiver' && step.callPoint === undefined) {
        ctx.addIssue({ code: 'custom', path: ['timeline', i], message: 'a press on a call-receiver needs callPoint' });
      }
      if (step.do === 'measure') {
        for (const field of MEASURE_NEEDS[device.type] ?? []) {
          if ((step as Record<string, unknown>)[field] === undefined) ctx.addIssue({ code: 'custom', path: ['timeline', i], message: `measure on a ${device.type} needs ${field}` });
        }
      }
    });
  });

export type Scenario = z.infer<typeof ScenarioSchema>;

// ---------------------------------------------------------------------------------------------
// Parsing with positions

export interface ScenarioIssue {
  /** 1-based; 0 when the position is unknown. */
  line: number;
  column: number;
  /** Dotted field path, e.g. timeline.3.device ('' for the whole file). */
  path: string;
  message: string;
}

export class ScenarioFileError extends Error {
  override readonly name = 'ScenarioFileError';
  constructor(
    readonly code: 'yaml-syntax' | 'invalid-scenario',
    readonly issues: readonly ScenarioIssue[],
    source: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${code === 'yaml-syntax' ? 'not valid YAML' : 'invalid scenario'}\n${issues.map((i) => `  ${source}:${i.line}:${i.column} ${i.path || '(file)'}: ${i.message}`).join('\n')}`, options);
  }
}

/** Parses and checks a scenario's YAML text; `source` names it in errors (a file name). */
export function parseScenarioYaml(text: string, source = 'scenario'): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
      return { line: pos.line, column: pos.col, path: '', message: e.message.split('\n')[0]! };
    });
    throw new ScenarioFileError('yaml-syntax', issues, source, { cause: doc.errors[0] });
  }
  const result = ScenarioSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.map(String);
    const { line, col } = positionOf(doc, lines, issue.path as PropertyKey[]);
    return { line, column: col, path: path.join('.'), message: issue.message };
  });
  throw new ScenarioFileError('invalid-scenario', issues, source, { cause: result.error });
}

/** The position of the deepest node on `path` that the document has (a missing field: its parent map). */
function positionOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): { line: number; col: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth).map((k) => (typeof k === 'symbol' ? String(k) : k)), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]);
  }
  return { line: 0, col: 0 };
}
