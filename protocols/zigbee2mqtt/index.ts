/**
 * zigbee2mqtt codec (docs/zigbee2mqtt.md): topics, payloads and the installer's mapping to the
 * hub's inputs. Pure: no I/O, no timers, no Node Buffer. The transport subscribes, passes each
 * message's topic, payload and retain flag through these functions, and counts rejects by code.
 */
export { parseZigbee2mqttTopic, type Zigbee2mqttTopic } from './topics.ts';
export { decodeZigbee2mqttPayload, decodeZigbee2mqttAvailability, type Zigbee2mqttPayload, type Zigbee2mqttAvailability } from './payload.ts';
export {
  zigbee2mqttToInputs,
  zigbee2mqttActionEvent,
  Zigbee2mqttMapping,
  ZIGBEE2MQTT_ROLES,
  DEFAULT_PRESS_ACTIONS,
  type Zigbee2mqttRole,
  type Zigbee2mqttMessageContext,
  type Z2mInput,
  type Z2mState,
} from './inputs.ts';
export { Zigbee2mqttDecodeError, ZIGBEE2MQTT_ERROR_CODES, type Zigbee2mqttErrorCode } from './errors.ts';
