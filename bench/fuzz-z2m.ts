/**
 * Fuzz target for the zigbee2mqtt payload decoders (protocols/zigbee2mqtt, docs/zigbee2mqtt.md),
 * run by bench/fuzz.ts. An MQTT payload arrives whole, so there is no framer. Phases:
 * - stock: the stock payloads of ../shared/data/zigbee2mqtt/payloads.json, as text and as bytes;
 * - mutated: their bytes bit-flipped, cut, stretched (invalid UTF-8 included);
 * - json: random JSON objects with the keys the hub reads holding values of any type, and now and
 *   then a JSON value that is not an object;
 * - random: random bytes and random strings (lone surrogates included).
 * Both decoders (device state and availability) must return or throw a Zigbee2mqttDecodeError
 * with a known code, never anything else; and a decoded payload delivered as retained must never
 * yield a call (docs/zigbee2mqtt.md#retained-messages).
 */
import {
  decodeZigbee2mqttAvailability,
  decodeZigbee2mqttPayload,
  zigbee2mqttToInputs,
  Zigbee2mqttDecodeError,
  ZIGBEE2MQTT_ERROR_CODES,
  DEFAULT_PRESS_ACTIONS,
} from '../protocols/zigbee2mqtt/index.ts';
import { FuzzFailure, inBatches, Tally, type FuzzPhase, type FuzzTarget, type PhaseResult } from './fuzz-phase.ts';
import { mutateFrame, type Rng } from './fuzz-rng.ts';
import { loadZ2mSamples } from './z2m-samples.ts';

type Payload = string | Uint8Array;

const encoder = new TextEncoder();
const lossy = new TextDecoder('utf-8');
const length = (p: Payload): number => (typeof p === 'string' ? p.length : p.length);

/** Returns the payload decoder's outcome ('ok' or its code); throws a FuzzFailure on anything else. */
function decodeOne(phaseName: string, payload: Payload): string {
  let outcome = 'ok';
  try {
    const decoded = decodeZigbee2mqttPayload(payload);
    // A role that calls on a press: if anything could yield a call from a retained message, this would.
    if (zigbee2mqttToInputs(decoded, { role: 'call' }, { retained: true }).some((i) => i.kind === 'call-point')) {
      throw new FuzzFailure(`zigbee2mqtt ${phaseName}: a retained payload yielded a call: ${String(payload)}`);
    }
  } catch (err) {
    if (err instanceof FuzzFailure) throw err;
    if (!(err instanceof Zigbee2mqttDecodeError) || !(err.code in ZIGBEE2MQTT_ERROR_CODES)) {
      throw new FuzzFailure(`zigbee2mqtt ${phaseName}: the payload decoder threw ${String(err)}`, { cause: err });
    }
    outcome = err.code;
  }
  try {
    decodeZigbee2mqttAvailability(payload);
  } catch (err) {
    if (!(err instanceof Zigbee2mqttDecodeError) || !(err.code in ZIGBEE2MQTT_ERROR_CODES)) {
      throw new FuzzFailure(`zigbee2mqtt ${phaseName}: the availability decoder threw ${String(err)}`, { cause: err });
    }
  }
  return outcome;
}

function phase(name: string, make: () => Payload): FuzzPhase {
  return {
    name,
    run(frames, progress): PhaseResult {
      const outcomes = new Tally();
      let bytes = 0;
      const ms = inBatches(
        frames,
        progress,
        (n) => {
          const batch: Payload[] = [];
          for (let i = 0; i < n; i++) {
            const p = make();
            bytes += length(p);
            batch.push(p);
          }
          return batch;
        },
        (batch) => {
          for (const p of batch) outcomes.add(decodeOne(name, p));
        },
      );
      const { ok = 0, ...codes } = outcomes.counts;
      return { frames, bytes, decoded: ok, refused: frames - ok, ms, outcomes: codes };
    },
  };
}

/** A value of any JSON type, small. */
function anyValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 1 ? 7 : 9)) {
    case 0: return null;
    case 1: return rng.bool();
    case 2: return rng.int(400) - 50;
    case 3: return (rng.next() / 0x7fffffff - 1) * 10 ** rng.int(6);
    case 4: return rng.pick([...DEFAULT_PRESS_ACTIONS, '', 'release', 'on', 'off', 'online']);
    case 5: return String.fromCharCode(...Array.from({ length: rng.int(8) }, () => rng.int(0x3000)));
    case 6: return rng.pick([1e999, -0, 255.5, 101, -1, 256]);
    case 7: return Array.from({ length: rng.int(4) }, () => anyValue(rng, depth + 1));
    default: return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(KEYS), anyValue(rng, depth + 1)]));
  }
}

/** The keys the decoder checks, and a few it passes through. */
const KEYS = ['action', 'battery', 'linkquality', 'occupancy', 'contact', 'water_leak', 'voltage', 'last_seen', 'state', '__proto__', 'constructor'];

function randomJson(rng: Rng): string {
  if (rng.int(10) === 0) return JSON.stringify(anyValue(rng)) ?? '';
  const o: Record<string, unknown> = {};
  for (let n = rng.int(7); n > 0; n--) o[rng.pick(KEYS)] = rng.int(3) === 0 ? anyValue(rng) : typical(rng, rng.pick(KEYS));
  // JSON.stringify drops a key named __proto__ set through assignment; write it out by hand then.
  const json = JSON.stringify(o);
  if (rng.int(20) !== 0) return json;
  return json === '{}' ? '{"__proto__":{"battery":"x"}}' : `{"__proto__":{"battery":"x"},${json.slice(1)}`;
}

/** A value zigbee2mqtt would send for the key. */
function typical(rng: Rng, key: string): unknown {
  switch (key) {
    case 'action': return rng.pick([...DEFAULT_PRESS_ACTIONS, '', 'release']);
    case 'battery': return rng.int(1001) / 10;
    case 'linkquality': return rng.int(256);
    case 'occupancy':
    case 'contact':
    case 'water_leak': return rng.bool();
    default: return rng.int(4000);
  }
}

function randomPayload(rng: Rng): Payload {
  const n = rng.int(129);
  if (rng.bool()) return rng.bytes(n);
  return String.fromCharCode(...Array.from({ length: n }, () => (rng.int(4) === 0 ? 0xd800 + rng.int(0x800) : rng.int(0x80))));
}

export const Z2M_TARGET: FuzzTarget = {
  kind: 'z2m',
  name: 'zigbee2mqtt',
  phases(rng) {
    const stock = loadZ2mSamples().map((s) => s.payload);
    if (stock.length === 0) throw new FuzzFailure('zigbee2mqtt: no stock payloads found in ../shared/data/zigbee2mqtt/payloads.json');
    const stockBytes = stock.map((s) => encoder.encode(s));
    return [
      phase('stock', () => {
        const i = rng.int(stock.length);
        return rng.bool() ? stock[i]! : stockBytes[i]!;
      }),
      phase('mutated', () => {
        const m = mutateFrame(rng, stockBytes[rng.int(stockBytes.length)]!, 0);
        return rng.bool() ? m : lossy.decode(m);
      }),
      phase('json', () => randomJson(rng)),
      phase('random', () => randomPayload(rng)),
    ];
  },
};
