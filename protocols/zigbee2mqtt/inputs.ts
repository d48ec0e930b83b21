/**
 * From a decoded zigbee2mqtt payload to the few uniform inputs the hub acts on
 * (docs/zigbee2mqtt.md#mapping): call-point events and states. The installer's mapping says what a
 * friendly name is for (a call button, a cancel button, a bed sensor, a door contact, a sensor) and
 * optionally which action values call or cancel. Pure: no I/O, no clock.
 */
import { z } from 'zod';
import type { Zigbee2mqttPayload } from './payload.ts';

export const ZIGBEE2MQTT_ROLES = ['call', 'cancel', 'bed-exit', 'door', 'sensor'] as const;
export type Zigbee2mqttRole = (typeof ZIGBEE2MQTT_ROLES)[number];

export const Zigbee2mqttMapping = z.strictObject({
  role: z.enum(ZIGBEE2MQTT_ROLES),
  /**
   * Action value (exactly as zigbee2mqtt publishes it) → what it does. When given it replaces the
   * default table entirely: an action not listed does nothing.
   */
  actions: z.record(z.string().min(1), z.enum(['call', 'cancel'])).optional(),
});
export type Zigbee2mqttMapping = z.infer<typeof Zigbee2mqttMapping>;

/**
 * The default table for a 'call' button (and, turned into cancels, for a 'cancel' button): every
 * way a resident presses a call or SOS button. Checked against the payloads in
 * docs/zigbee2mqtt.md#default-action-table.
 */
export const DEFAULT_PRESS_ACTIONS: readonly string[] = ['single', 'double', 'hold', 'long', 'sos', 'emergency', 'press'];
const PRESSES = new Set(DEFAULT_PRESS_ACTIONS);

export type Z2mState =
  | { kind: 'presence'; present: boolean }
  /** A door or window contact. */
  | { kind: 'door'; open: boolean }
  | { kind: 'water-leak'; leak: boolean }
  /** A bed (occupancy) sensor: `out` is true when the resident has left the bed. */
  | { kind: 'bed-exit'; out: boolean }
  | { kind: 'battery'; percent: number };

export type Z2mInput = { kind: 'call-point'; event: 'call' | 'cancel' } | { kind: 'state'; state: Z2mState };

export interface Zigbee2mqttMessageContext {
  /**
   * The MQTT retain flag as the hub's subscription delivered it. A broker sets it only on a stored
   * message sent at subscribe time [MQTT-3.3.1-8] (a live publish arrives with it clear even when
   * zigbee2mqtt retains it [MQTT-3.3.1-9]), so a retained action is always an old press.
   */
  retained: boolean;
}

/**
 * True for a default press: one of DEFAULT_PRESS_ACTIONS, or such a word at either end of an
 * endpoint-suffixed or button-prefixed action ('single_left', 'button_1_single', 'long_press').
 * Release reports ('release', 'hold_release') are the end of a press already counted.
 */
function isDefaultPress(action: string): boolean {
  if (PRESSES.has(action)) return true;
  const words = action.split('_');
  if (words.length < 2 || words.includes('release')) return false;
  return PRESSES.has(words[0]!) || PRESSES.has(words[words.length - 1]!);
}

/** What an action does under a mapping, or null for nothing. */
export function zigbee2mqttActionEvent(action: string, mapping: Zigbee2mqttMapping): 'call' | 'cancel' | null {
  // Stock zigbee2mqtt resets the action with '' right after publishing it (1.x, and 2.x with
  // homeassistant.legacy_action_sensor): an empty action is no press.
  if (action === '') return null;
  if (mapping.actions) return Object.hasOwn(mapping.actions, action) ? mapping.actions[action]! : null;
  if (mapping.role !== 'call' && mapping.role !== 'cancel') return null;
  return isDefaultPress(action) ? mapping.role : null;
}

/**
 * The inputs one decoded state payload means for a device with this mapping: at most one
 * call-point event (never for a retained message), then the states it reports.
 */
export function zigbee2mqttToInputs(decoded: Zigbee2mqttPayload, mapping: Zigbee2mqttMapping, context: Zigbee2mqttMessageContext): Z2mInput[] {
  const out: Z2mInput[] = [];
  if (!context.retained && typeof decoded.action === 'string') {
    const event = zigbee2mqttActionEvent(decoded.action, mapping);
    if (event) out.push({ kind: 'call-point', event });
  }
  if (typeof decoded.occupancy === 'boolean') {
    // On a bed sensor, "nobody on it" is the resident out of bed.
    out.push(mapping.role === 'bed-exit' ? { kind: 'state', state: { kind: 'bed-exit', out: !decoded.occupancy } } : { kind: 'state', state: { kind: 'presence', present: decoded.occupancy } });
  }
  // zigbee2mqtt's contact is true when the magnet is at the reed switch: closed.
  if (typeof decoded.contact === 'boolean') out.push({ kind: 'state', state: { kind: 'door', open: !decoded.contact } });
  if (typeof decoded.water_leak === 'boolean') out.push({ kind: 'state', state: { kind: 'water-leak', leak: decoded.water_leak } });
  if (typeof decoded.battery === 'number') out.push({ kind: 'state', state: { kind: 'battery', percent: decoded.battery } });
  return out;
}
