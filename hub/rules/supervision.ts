/**
 * Device supervision (docs/rules.md#supervision): a device that stops reporting raises a technical
 * alarm, a device that says it went offline raises one at once, and a low battery raises a
 * low-priority one. One state per device.
 *
 * Every report from a device (a reading, a state, a call-point event including its heartbeat, a
 * device-status other than offline) moves its deadline to now + its interval; the engine wakes the
 * rule at the deadline (hub/rules/engine.ts keeps that time across a restart, so a device silent
 * across a restart raises at its original time). A device that reports again resolves its own
 * silence alarm: the fault is gone, and a technical alarm left open after its cause went away teaches
 * staff to ignore technical alarms (docs/rules.md#supervision).
 *
 * Limitation: the rule learns of a device from its first event. A configured device never heard
 * since its state was first stored is not supervised (the rule does not read the hub config).
 */
import { z } from 'zod';
import { AlarmPriority, Id, type Event } from '../../protocols/event.ts';
import type { AlarmCommand } from '../alarms/alarm-command.ts';
import { defineRule } from './rule.ts';

const MINUTE = 60_000;
/**
 * A battery must come back this many percentage points above the threshold before its alarm is
 * cleared: battery percentages are estimated from voltage, which sags under load and in the cold, so
 * a value hovering at the threshold would otherwise raise and clear over and over. New batteries
 * jump far above it.
 */
const BATTERY_HYSTERESIS_PERCENT = 10;

const Interval = z.number().int().positive();

const options = z.strictObject({
  defaultMs: Interval.default(25 * 60 * MINUTE).describe(
    'a device silent this long raises a technical alarm; 25 h is what zigbee2mqtt allows battery devices, so a device that reports only on change is not called silent',
  ),
  callPointMs: Interval.default(5 * MINUTE).describe(
    'a call point that sends heartbeats and is silent this long raises; set it to about three heartbeat intervals',
  ),
  perDevice: z
    .record(Id, Interval.nullable())
    .default({})
    .describe('interval per device id, overriding the two above; null: the device is not supervised'),
  silentPriority: AlarmPriority.default('technical').describe('priority of a silent or offline device'),
  callPointSilentPriority: AlarmPriority.default('high').describe('priority of a silent or offline call point: its room cannot call'),
  lowBatteryPriority: AlarmPriority.default('technical').describe('priority of a low battery'),
  lowBatteryPercent: z.number().min(0).max(100).default(20).describe('a reported battery at or below this % is low'),
});
type Options = z.infer<typeof options>;

interface SupervisionState {
  /** Set by the first call-point heartbeat: the device promises regular reports, so its silence is judged by callPointMs. */
  callPoint: boolean;
  /** Clock ms of the last report; null until the device has reported (an offline status is no report). */
  lastSeen: number | null;
  /** A silence or offline alarm was raised and the device has not reported since. */
  silent: boolean;
  /** A low-battery alarm was raised and the battery has not come back since. */
  lowBattery: boolean;
  roomId?: string;
  residentId?: string;
}

const initialState = (): SupervisionState => ({ callPoint: false, lastSeen: null, silent: false, lowBattery: false });

/**
 * Only call points that send heartbeats are held to callPointMs. A zigbee2mqtt or BLE button sends
 * nothing between presses, so holding it to minutes would raise a false "cannot call" after every
 * press; it is judged by defaultMs (and zigbee2mqtt's own availability check, which arrives as offline).
 */
function intervalOf(state: SupervisionState, deviceId: string, opts: Options): number | null {
  if (Object.hasOwn(opts.perDevice, deviceId)) return opts.perDevice[deviceId]!;
  return state.callPoint ? opts.callPointMs : opts.defaultMs;
}

function silencePriority(state: SupervisionState, opts: Options) {
  return state.callPoint ? opts.callPointSilentPriority : opts.silentPriority;
}

/** A duration as staff read it on the panel. */
function duration(ms: number): string {
  if (ms < 2 * MINUTE) return `${Math.round(ms / 1000)} s`;
  if (ms < 120 * MINUTE) return `${Math.round(ms / MINUTE)} min`;
  return `${Math.round(ms / (60 * MINUTE))} h`;
}

function target(state: SupervisionState, deviceId: string) {
  return { deviceId, ...(state.roomId && { roomId: state.roomId }), ...(state.residentId && { residentId: state.residentId }) };
}

function raiseSilent(state: SupervisionState, deviceId: string, opts: Options, reason: string, causeEventId?: string): AlarmCommand {
  const what = state.callPoint ? `Call point ${deviceId}` : `Device ${deviceId}`;
  const room = state.callPoint && state.roomId ? `: ${state.roomId} cannot call` : '';
  return {
    op: 'raise',
    key: `device-silent:${deviceId}`,
    type: 'device-silent',
    priority: silencePriority(state, opts),
    reason: `${what} ${reason}${room}`,
    ...target(state, deviceId),
    ...(causeEventId && { causeEventId }),
  };
}

const CLEARED_BY = { kind: 'rule' as const, id: 'supervision' };

/** Whether the battery is (still) low after a device-status report, and the alarm command that change needs. */
function battery(state: SupervisionState, event: Extract<Event, { kind: 'device-status' }>, deviceId: string, opts: Options): { lowBattery: boolean; alarms: AlarmCommand[] } {
  const { status, battery } = event.payload;
  const percent = typeof battery === 'number' ? battery : null;
  const low = status === 'low-battery' || (percent !== null && percent <= opts.lowBatteryPercent);
  if (low && !state.lowBattery) {
    const raise: AlarmCommand = {
      op: 'raise',
      // The call-point rule's key for a call point's own low-battery report: one alarm per device whichever rule sees it first.
      key: `low-battery:${deviceId}`,
      type: 'low-battery',
      priority: opts.lowBatteryPriority,
      reason: `Device ${deviceId} battery low${percent === null ? '' : ` (${percent} %)`}`,
      ...target(state, deviceId),
      causeEventId: event.id,
    };
    return { lowBattery: true, alarms: [raise] };
  }
  if (state.lowBattery && !low && percent !== null && percent > opts.lowBatteryPercent + BATTERY_HYSTERESIS_PERCENT) {
    return { lowBattery: false, alarms: [{ op: 'clear', key: `low-battery:${deviceId}`, by: CLEARED_BY, reason: `battery back at ${percent} %` }] };
  }
  return { lowBattery: state.lowBattery, alarms: [] };
}

export const supervisionRule = defineRule({
  id: 'supervision',
  description: 'Raises a technical alarm for a device silent past its report interval or gone offline, and for a low battery.',
  inputs: ['reading', 'state', 'call-point', 'device-status'],
  options,
  scope: (event) => event.deviceId ?? null,
  initialState,
  evaluate(previous: SupervisionState, event, now, opts: Options) {
    const deviceId = event.deviceId!;
    const state: SupervisionState = { ...previous, ...(event.roomId && { roomId: event.roomId }), ...(event.residentId && { residentId: event.residentId }) };
    const alarms: AlarmCommand[] = [];

    if (event.kind === 'device-status' && event.payload.status === 'offline') {
      // The device's MQTT last will or zigbee2mqtt's availability: no need to wait for the interval.
      if (intervalOf(state, deviceId, opts) === null || state.silent) return { state, alarms, wakeAt: null };
      state.silent = true;
      alarms.push(raiseSilent(state, deviceId, opts, 'went offline', event.id));
      return { state, alarms, wakeAt: null };
    }

    if (event.kind === 'call-point' && event.payload.event === 'heartbeat') state.callPoint = true;
    state.lastSeen = now;
    if (state.silent) {
      state.silent = false;
      alarms.push({ op: 'clear', key: `device-silent:${deviceId}`, by: CLEARED_BY, reason: 'device reporting again' });
    }
    if (event.kind === 'device-status') {
      const next = battery(state, event, deviceId, opts);
      state.lowBattery = next.lowBattery;
      alarms.push(...next.alarms);
    }
    const interval = intervalOf(state, deviceId, opts);
    return { state, alarms, wakeAt: interval === null ? null : now + interval };
  },
  tick(state: SupervisionState, now, opts: Options, deviceId) {
    const interval = intervalOf(state, deviceId, opts);
    if (state.silent || state.lastSeen === null || interval === null) return { state, alarms: [], wakeAt: null };
    const due = state.lastSeen + interval;
    // The interval may have grown in the config since the wake-up was set (after a restart).
    if (now < due) return { state, alarms: [], wakeAt: due };
    return {
      state: { ...state, silent: true },
      alarms: [raiseSilent(state, deviceId, opts, `silent for ${duration(now - state.lastSeen)} (expected a report every ${duration(interval)})`)],
      wakeAt: null,
    };
  },
});
