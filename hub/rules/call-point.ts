/**
 * Nurse call: a call or pull-cord raises an alarm for the room; a cancel pressed
 * at the room clears the room's calls (cancel at origin, DIN VDE 0834 practice).
 * A low battery raises a low-priority technical alarm for the device.
 */
import { z } from 'zod';
import { AlarmPriority } from '../../protocols/event.ts';
import type { AlarmCommand } from '../alarms/alarm-command.ts';
import { defineRule } from './rule.ts';

const options = z.strictObject({
  callPriority: AlarmPriority.default('medium').describe('priority of a call-button press'),
  pullCordPriority: AlarmPriority.default('high').describe('priority of a pull-cord (usually bathroom) call'),
  lowBatteryPriority: AlarmPriority.default('low').describe('priority of a call point reporting low battery'),
});

export const callPointRule = defineRule({
  id: 'call-point',
  description: 'Raises a call alarm for the room of a pressed call point; cancel at the room clears it.',
  inputs: ['call-point'],
  options,
  initialState: () => ({}),
  evaluate(state, event, _now, opts: z.infer<typeof options>) {
    if (event.kind !== 'call-point') return { state, alarms: [] };
    const where = event.roomId ?? `device-${event.deviceId}`;
    const target = { roomId: event.roomId, deviceId: event.deviceId, residentId: event.residentId, causeEventId: event.id };
    const alarms: AlarmCommand[] = [];
    switch (event.payload.event) {
      case 'call':
        alarms.push({ op: 'raise', key: `call:${where}`, type: 'call', priority: opts.callPriority, reason: 'call button pressed', ...target });
        break;
      case 'pull-cord':
        alarms.push({ op: 'raise', key: `pull-cord:${where}`, type: 'pull-cord', priority: opts.pullCordPriority, reason: 'pull cord pulled', ...target });
        break;
      case 'cancel': {
        const by = { kind: 'device' as const, id: event.deviceId };
        alarms.push({ op: 'clear', key: `call:${where}`, by, reason: 'cancelled at the room' });
        alarms.push({ op: 'clear', key: `pull-cord:${where}`, by, reason: 'cancelled at the room' });
        break;
      }
      case 'low-battery':
        alarms.push({
          op: 'raise',
          key: `low-battery:${event.deviceId}`,
          type: 'low-battery',
          priority: opts.lowBatteryPriority,
          reason: `Call point ${event.deviceId} battery low${event.payload.battery === null ? '' : ` (${event.payload.battery} %)`}`,
          ...target,
        });
        break;
      case 'heartbeat':
        break; // supervision of silent call points is its own rule
    }
    return { state, alarms };
  },
});
