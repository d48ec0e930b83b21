/**
 * zigbee2mqtt topic layout (docs/zigbee2mqtt.md#topics): which device a topic is about and whether
 * it carries the device's state or its availability. Pure: no I/O.
 *
 *   <base>/<friendly_name>               device state (JSON)
 *   <base>/<friendly_name>/availability  "online"/"offline" (1.x) or {"state":"online"} (2.x)
 *   <base>/<friendly_name>/set[/...]     a command to the device, not its state
 *   <base>/<friendly_name>/get[/...]     a read request, not its state
 *   <base>/<friendly_name>/action        1.x plain-text copy of the state's `action`
 *   <base>/bridge[/...]                  the bridge itself (state, devices, events, requests)
 */

export type Zigbee2mqttTopic =
  | { kind: 'state' | 'availability'; friendlyName: string }
  | { kind: 'bridge' | 'other' };

const BRIDGE: Zigbee2mqttTopic = Object.freeze({ kind: 'bridge' });
const OTHER: Zigbee2mqttTopic = Object.freeze({ kind: 'other' });

/** Command levels: zigbee2mqtt reads `<base>/<name>/(set|get)(/<attribute>)?` as a request to the device. */
const COMMAND_LEVELS = new Set(['set', 'get']);

/**
 * Trailing levels zigbee2mqtt 1.x publishes as plain-text copies of the state's `action` (and the
 * older `click`), for Home Assistant device triggers. The JSON on the state topic carries the same
 * action, so reading both would count one press twice: these are 'other'.
 */
const ACTION_COPIES = new Set(['action', 'click']);

/**
 * Classify `topic` under `baseTopic` (zigbee2mqtt's `mqtt.base_topic`, 'zigbee2mqtt' by default;
 * it may itself contain '/'). Friendly names may contain '/' ("ground/room 101/button").
 */
export function parseZigbee2mqttTopic(baseTopic: string, topic: string): Zigbee2mqttTopic {
  if (baseTopic === '' || !topic.startsWith(`${baseTopic}/`)) return OTHER;
  const rest = topic.slice(baseTopic.length + 1);
  if (rest === 'bridge' || rest.startsWith('bridge/')) return BRIDGE;
  // zigbee2mqtt refuses friendly names that start or end with '/' (validateFriendlyName in its
  // lib/util/utils.ts), so such a topic names no device.
  if (rest === '' || rest.startsWith('/') || rest.endsWith('/')) return OTHER;
  const levels = rest.split('/');
  if (levels.slice(1).some((level) => COMMAND_LEVELS.has(level))) return OTHER;
  const last = levels[levels.length - 1]!;
  if (levels.length > 1 && last === 'availability') return { kind: 'availability', friendlyName: levels.slice(0, -1).join('/') };
  if (levels.length > 1 && ACTION_COPIES.has(last)) return OTHER;
  return { kind: 'state', friendlyName: rest };
}
