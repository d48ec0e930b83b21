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

/**
 * Whose or where the fall is: a fall decided from a worn accelerometer (`impactG` present) belongs to
 * its wearer wherever they are, so two residents falling in one room are two alarms; a radar's fall to
 * its room; a device with neither to the device itself.
 */
function placeOf(event: Event): string {
  if (event.kind === 'state' && event.payload.kind === 'fall' && event.payload.impactG !== undefined) {
    return event.residentId ? `resident-${event.residentId}` : `device-${event.deviceId ?? 'unknown'}`;
  }
  return event.roomId ?? `device-${event.deviceId ?? 'unknown'}`;
}

/** Who reported it and where: a wearable names its wearer (its configured room is their home room, not where they fell). */
function describe(event: Event, impactG: number | undefined): string {
  const by = event.deviceId ?? 'a device';
  if (impactG !== undefined) return `Fall detected by wearable ${by}${event.residentId ? ` worn by ${event.residentId}` : ''} (impact ${impactG} g)`;
  return `Fall detected by ${by}${event.roomId ? ` in ${event.roomId}` : ''}`;
}

export const fallRule = defineRule({
  id: 'fall',
  description: 'Raises a fall alarm for the room of a device reporting a fall (a fall radar), or for the wearer of a wearable whose stream the hub judged a fall.',
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
          reason: describe(event, event.payload.impactG),
          roomId: event.roomId,
          deviceId: event.deviceId,
          residentId: event.residentId,
          causeEventId: event.id,
        },
      ],
    };
  },
});
