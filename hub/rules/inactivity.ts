/**
 * Inactivity in a room (docs/rules.md#inactivity), from the presence and motion states of its radar
 * or sensor (protocols/device-state.ts). One state per room; only rooms listed in the options are
 * watched.
 *
 * - **Still**: someone present and not moving (motion `none` or `stationary`) for `stillForMs`, in a
 *   bathroom-like room, raises an alarm: a person who has not moved on the toilet or in the shower
 *   for that long may have collapsed.
 * - **Night absence**: nobody present in the room for `absentForMs` inside the night window
 *   `from`–`to`, where the resident is expected to sleep, raises an alarm: they may have wandered off
 *   or fallen elsewhere.
 *
 * Neither alarm clears itself when movement or presence returns: someone must go and see (movement
 * after a long stillness may be a person struggling on the floor). Each raises once per episode; a
 * new episode while the alarm is still open only counts a repeat at the alarm service.
 *
 * Clock times are the hub's local time (the process time zone: TZ, else /etc/localtime), through
 * Date's local-time methods, which also place 22:00 correctly on the nights summer time starts or
 * ends.
 */
import { z } from 'zod';
import { AlarmPriority, Id } from '../../protocols/event.ts';
import type { MOTION_STATES } from '../../protocols/device-state.ts';
import type { AlarmCommand } from '../alarms/alarm-command.ts';
import { defineRule } from './rule.ts';

const MINUTE = 60_000;

/** A local clock time, HH:MM on a 24-hour clock. */
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 00:00 to 23:59');

function minutesOfDay(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Nominal length of a window, ms (an hour more or less on the nights the clocks change). */
function windowLength(from: string, to: string): number {
  return ((minutesOfDay(to) - minutesOfDay(from) + 1440) % 1440) * MINUTE;
}

const NightAbsence = z
  .strictObject({
    from: ClockTime.describe('start of the night, local time'),
    to: ClockTime.describe('end of the night, local time (may be after midnight)'),
    absentForMs: z.number().int().positive().describe('nobody present in the room this long within the night raises'),
  })
  .refine((n) => n.from !== n.to, { message: 'from and to must differ', path: ['to'] })
  // An hour shorter than the window, so it still fits on the night the clocks go forward.
  .refine((n) => n.absentForMs <= windowLength(n.from, n.to) - 60 * MINUTE, {
    message: 'absentForMs must be at least an hour shorter than the night window',
    path: ['absentForMs'],
  });
type NightAbsence = z.infer<typeof NightAbsence>;

const RoomOptions = z.strictObject({
  stillForMs: z.number().int().positive().optional().describe('present without moving this long raises (bathrooms)'),
  nightAbsence: NightAbsence.optional().describe('the resident is expected in this room at night'),
});
type RoomOptions = z.infer<typeof RoomOptions>;

const options = z.strictObject({
  rooms: z.record(Id, RoomOptions).default({}).describe('rooms watched, keyed by room id'),
  stillPriority: AlarmPriority.default('high').describe('priority of someone present and not moving'),
  nightAbsencePriority: AlarmPriority.default('medium').describe('priority of nobody present at night'),
});
type Options = z.infer<typeof options>;

interface InactivityState {
  /** Last presence report from the room; null until one arrives. */
  present: boolean | null;
  motion: (typeof MOTION_STATES)[number] | null;
  /** Clock ms since which someone has been present and not moving; null otherwise. */
  stillSince: number | null;
  stillRaised: boolean;
  /** Clock ms since which nobody has been present; null while present or not yet known. */
  absentSince: number | null;
  absentRaised: boolean;
  /** The last reporting device and its resident, for the alarm. */
  deviceId?: string;
  residentId?: string;
}

const initialState = (): InactivityState => ({ present: null, motion: null, stillSince: null, stillRaised: false, absentSince: null, absentRaised: false });

/** Clock ms of local time `hhmm` on the local day of `t`, `days` days later. */
function localTimeOn(t: number, days: number, hhmm: string): number {
  const d = new Date(t);
  d.setDate(d.getDate() + days);
  d.setHours(Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5)), 0, 0);
  return d.getTime();
}

/** HH:MM of `t` in local time. */
function localClock(t: number): string {
  const d = new Date(t);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** The night window that contains `t`, or else the next one. */
function windowAt(t: number, night: NightAbsence): { start: number; end: number } {
  for (let days = -1; days <= 1; days++) {
    const start = localTimeOn(t, days, night.from);
    let end = localTimeOn(start, 0, night.to);
    if (end <= start) end = localTimeOn(start, 1, night.to);
    if (end > t) return { start, end };
  }
  /* c8 ignore next */
  throw new Error('unreachable: a night window starts every day');
}

/** When nobody present since `absentSince` has been absent `absentForMs` inside one night window. */
function nightDue(absentSince: number, night: NightAbsence): number | null {
  let window = windowAt(absentSince, night);
  // Two windows at most: the one the absence began in may be too short for it, the next one is not (the refine above).
  for (let i = 0; i < 2; i++) {
    const due = Math.max(absentSince, window.start) + night.absentForMs;
    if (due < window.end) return due;
    window = windowAt(window.end, night);
  }
  return null;
}

function dueTimes(state: InactivityState, room: RoomOptions): { still: number | null; night: number | null } {
  return {
    still: room.stillForMs !== undefined && state.stillSince !== null && !state.stillRaised ? state.stillSince + room.stillForMs : null,
    night: room.nightAbsence && state.absentSince !== null && !state.absentRaised ? nightDue(state.absentSince, room.nightAbsence) : null,
  };
}

function nextWake(state: InactivityState, room: RoomOptions): number | null {
  const { still, night } = dueTimes(state, room);
  if (still === null) return night;
  return night === null ? still : Math.min(still, night);
}

/** A watched room's options; own keys only, so a room called `constructor` is not Object's. */
function roomOptions(opts: Options, roomId: string): RoomOptions | undefined {
  return Object.hasOwn(opts.rooms, roomId) ? opts.rooms[roomId] : undefined;
}

function target(state: InactivityState, roomId: string) {
  return { roomId, ...(state.deviceId && { deviceId: state.deviceId }), ...(state.residentId && { residentId: state.residentId }) };
}

export const inactivityRule = defineRule({
  id: 'inactivity',
  description: 'Raises an alarm for someone not moving in a bathroom, or for nobody in a room at night, from presence and motion states.',
  inputs: ['state'],
  options,
  scope: (event) => (event.kind === 'state' && (event.payload.kind === 'presence' || event.payload.kind === 'motion') && event.roomId ? event.roomId : null),
  initialState,
  evaluate(previous: InactivityState, event, now, opts: Options) {
    const room = event.roomId ? roomOptions(opts, event.roomId) : undefined;
    if (!room || event.kind !== 'state') return { state: initialState(), alarms: [], wakeAt: null };
    const state: InactivityState = { ...previous, ...(event.deviceId && { deviceId: event.deviceId }), ...(event.residentId && { residentId: event.residentId }) };
    if (event.payload.kind === 'presence') state.present = event.payload.present;
    if (event.payload.kind === 'motion') state.motion = event.payload.motion;

    // Still needs a motion report: a presence-only sensor (a PIR's occupancy) cannot tell still from moving.
    const still = state.present === true && state.motion !== null && state.motion !== 'moving';
    if (!still) state.stillRaised = false;
    state.stillSince = still ? (previous.stillSince ?? now) : null;
    const absent = state.present === false;
    if (!absent) state.absentRaised = false;
    state.absentSince = absent ? (previous.absentSince ?? now) : null;

    return { state, alarms: [], wakeAt: nextWake(state, room) };
  },
  tick(previous: InactivityState, now, opts: Options, roomId) {
    const room = roomOptions(opts, roomId);
    if (!room) return { state: previous, alarms: [], wakeAt: null };
    const state = { ...previous };
    const due = dueTimes(state, room);
    const alarms: AlarmCommand[] = [];
    if (due.still !== null && due.still <= now) {
      state.stillRaised = true;
      alarms.push({
        op: 'raise',
        key: `no-motion:${roomId}`,
        type: 'no-motion',
        priority: opts.stillPriority,
        reason: `Someone in ${roomId} has not moved for ${Math.round((now - state.stillSince!) / MINUTE)} min`,
        ...target(state, roomId),
      });
    }
    if (due.night !== null && due.night <= now) {
      state.absentRaised = true;
      alarms.push({
        op: 'raise',
        key: `night-absence:${roomId}`,
        type: 'night-absence',
        priority: opts.nightAbsencePriority,
        reason: `Nobody in ${roomId} at night (${room.nightAbsence!.from}–${room.nightAbsence!.to}) since ${localClock(state.absentSince!)}`,
        ...target(state, roomId),
      });
    }
    return { state, alarms, wakeAt: nextWake(state, room) };
  },
});
