/**
 * Falls reported by a device (docs/rules.md#fall): a fall radar's `fall` state with `fallen: true`
 * raises a high-priority fall alarm for the room. The hub adds no debounce of its own: the radar
 * reports a fall only after its own confirmation time, and a second delay here would only make a
 * person on the floor wait longer (docs/rules.md#fall).
 *
 * `fallen: false` does not resolve the alarm: the radar no longer seeing a fall does not mean the
 * person is unhurt (they may have crawled out of its field), so a nurse who has seen them resolves
 * it. A radar repeating `fallen: true` while the alarm is open raises the same key again, which the
 * alarm service counts as a repeat (docs/adding-a-rule.md).
 *
 * zigbee2mqtt SOS and fall buttons are not handled here: their actions arrive as call-point calls
 * (drivers/zigbee2mqtt-inputs.ts; `sos` and `emergency` are in the default action table, a `fall`
 * action is mapped by the device's `actions`, docs/zigbee2mqtt.md#mapping) and the call-point rule
 * raises them. A zigbee2mqtt payload field reporting a fall is not decoded into a `fall` state yet.
 */
import { z } from 'zod';
import { AlarmPriority, type Event } from '../../protocols/event.ts';
import { defineRule } from './rule.ts';

const options = z.strictObject({
  priority: AlarmPriority.default('high').describe('priority of a fall reported by a device'),
});

/** Where the fall happened: the device's room, or the device itself when it has no room. */
function placeOf(event: Event): string {
  return event.roomId ?? `device-${event.deviceId ?? 'unknown'}`;
}

export const fallRule = defineRule({
  id: 'fall',
  description: 'Raises a fall alarm for the room of a device reporting a fall (a fall radar).',
  inputs: ['state'],
  options,
  // Only fall states concern this rule; every other state is left alone, so the engine stores nothing for it.
  scope: (event) => (event.kind === 'state' && event.payload.kind === 'fall' ? placeOf(event) : null),
  initialState: () => ({}),
  evaluate(state, event, _now, opts: z.infer<typeof options>) {
    if (event.kind !== 'state' || event.payload.kind !== 'fall' || !event.payload.fallen) return { state, alarms: [] };
    return {
      state,
      alarms: [
        {
          op: 'raise',
          key: `fall:${placeOf(event)}`,
          type: 'fall',
          priority: opts.priority,
          reason: `Fall detected by ${event.deviceId ?? 'a device'}${event.roomId ? ` in ${event.roomId}` : ''}`,
          roomId: event.roomId,
          deviceId: event.deviceId,
          residentId: event.residentId,
          causeEventId: event.id,
        },
      ],
    };
  },
});
