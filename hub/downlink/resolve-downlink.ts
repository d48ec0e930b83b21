/**
 * What a downlink makes of the hub's config (docs/downlink.md#what-it-changes), worked out before
 * anything is swapped: the device bindings, room and resident names and rule options in force.
 * Pure: a version either resolves whole, or is refused with every reason at once.
 *
 * Layering: the hub's config file is the base; an entry in the downlink wins over the config's
 * entry with the same id, and what the downlink does not name keeps its config value. Each version
 * is a whole document, so leaving an entry out of the next version brings the config's value back.
 */
import type { z } from 'zod';
import type { DownlinkDocument, DownlinkIssue } from '../../protocols/downlink.ts';
import type { DeviceConfig, HubConfig } from '../config.ts';
import { RULES } from '../rules/index.ts';

/** What a downlink is laid over: the config as loaded, with the rule options the hub computed from it. */
export interface DownlinkBase {
  hubId: string;
  rooms: HubConfig['rooms'];
  devices: readonly DeviceConfig[];
  ruleOptions: Readonly<Record<string, unknown>>;
}

/** The bindings in force: the config alone (version null) or the config under one downlink version. */
export interface DownlinkView {
  version: number | null;
  devices: readonly DeviceConfig[];
  /** keyed by room id */
  roomNames: ReadonlyMap<string, string>;
  /** keyed by resident id; only names a downlink gave */
  residentNames: ReadonlyMap<string, string>;
  ruleOptions: Readonly<Record<string, unknown>>;
}

export type ResolveResult = { ok: true; view: DownlinkView } | { ok: false; errors: DownlinkIssue[] };

/** The rules whose per-resident options a downlink sets (docs/rules.md). */
const VITAL_THRESHOLDS = 'vital-thresholds';
const NEWS2 = 'news2';

export function configView(base: DownlinkBase): DownlinkView {
  return {
    version: null,
    devices: base.devices,
    roomNames: new Map(base.rooms.map((r) => [r.id, r.name])),
    residentNames: new Map(),
    ruleOptions: base.ruleOptions,
  };
}

export function resolveDownlink(base: DownlinkBase, doc: DownlinkDocument): ResolveResult {
  const errors: DownlinkIssue[] = [];
  const { content } = doc;
  if (doc.hubId !== base.hubId) errors.push({ path: 'hubId', message: `is for hub "${doc.hubId}", this is hub "${base.hubId}"` });

  const roomNames = new Map(base.rooms.map((r) => [r.id, r.name]));
  for (const room of content.rooms) roomNames.set(room.id, room.name);

  /** keyed by device id: the binding the downlink gives it */
  const bindings = new Map(content.devices.map((d) => [d.id, d]));
  const known = new Set(base.devices.map((d) => d.id));
  content.devices.forEach((d, i) => {
    // Adding a device needs its transport and credentials: that is the config file's job.
    if (!known.has(d.id)) errors.push({ path: `devices.${i}.id`, message: `unknown device "${d.id}": add it to the hub's config first` });
    if (!roomNames.has(d.roomId)) errors.push({ path: `devices.${i}.roomId`, message: `unknown room "${d.roomId}"` });
  });
  const devices = base.devices.map((device) => {
    const binding = bindings.get(device.id);
    if (!binding) return device;
    const { residentId: _dropped, ...rest } = device;
    return { ...rest, roomId: binding.roomId, ...(binding.residentId !== null && { residentId: binding.residentId }) } as DeviceConfig;
  });

  const ruleOptions = withResidentOptions(base.ruleOptions, content.residents);
  for (const rule of RULES) {
    const parsed = (rule.options as z.ZodType).safeParse(ruleOptions[rule.id] ?? {});
    if (parsed.success) continue;
    for (const issue of parsed.error.issues) errors.push({ path: residentPath(rule.id, issue.path, content.residents), message: issue.message });
  }

  if (errors.length > 0) return { ok: false, errors };
  const residentNames = new Map(content.residents.flatMap((r) => (r.name === undefined ? [] : [[r.id, r.name] as const])));
  return { ok: true, view: { version: doc.version, devices, roomNames, residentNames, ruleOptions } };
}

/**
 * A resident's SpO2 scale and thresholds replace the config's entry for that resident in the
 * vital-thresholds rule (and the scale in NEWS2); a resident the downlink gives neither keeps the config's.
 */
function withResidentOptions(
  ruleOptions: Readonly<Record<string, unknown>>,
  residents: DownlinkDocument['content']['residents'],
): Record<string, unknown> {
  const thresholds = { ...((ruleOptions[VITAL_THRESHOLDS] ?? {}) as { residents?: Record<string, unknown> }) };
  const news2 = { ...((ruleOptions[NEWS2] ?? {}) as { residents?: Record<string, unknown> }) };
  for (const r of residents) {
    if (r.spo2Scale === undefined && r.thresholds === undefined) continue;
    thresholds.residents = {
      ...thresholds.residents,
      [r.id]: { ...(r.spo2Scale !== undefined && { spo2Scale: r.spo2Scale }), ...(r.thresholds !== undefined && { thresholds: r.thresholds }) },
    };
    if (r.spo2Scale !== undefined) news2.residents = { ...news2.residents, [r.id]: { spo2Scale: r.spo2Scale } };
  }
  return { ...ruleOptions, [VITAL_THRESHOLDS]: thresholds, [NEWS2]: news2 };
}

/** A rule's complaint about `residents.<id>.…` named by where the downlink set it: `residents.<index>.…`. */
function residentPath(ruleId: string, path: readonly PropertyKey[], residents: DownlinkDocument['content']['residents']): string {
  if (path[0] === 'residents' && typeof path[1] === 'string') {
    const index = residents.findIndex((r) => r.id === path[1]);
    if (index >= 0) return ['residents', index, ...path.slice(2)].map(String).join('.');
  }
  return ['rules', ruleId, ...path].map(String).join('.');
}
