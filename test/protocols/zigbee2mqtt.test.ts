/**
 * zigbee2mqtt codec (docs/zigbee2mqtt.md) over every payload in ../shared/data/zigbee2mqtt/payloads.json
 * (read in place): each one's topic class, what it decodes to (or the error code), and the inputs
 * it means for a call button, live and retained. Then the topic rules, the field checks and the
 * action table on their own.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  decodeZigbee2mqttAvailability,
  decodeZigbee2mqttPayload,
  parseZigbee2mqttTopic,
  zigbee2mqttActionEvent,
  zigbee2mqttToInputs,
  Zigbee2mqttDecodeError,
  Zigbee2mqttMapping,
  type Z2mInput,
  type Zigbee2mqttTopic,
} from '../../protocols/zigbee2mqtt/index.ts';
import { requireForFile } from '../support/requirements.ts';
import { loadZ2mSamples } from '../../bench/z2m-samples.ts';

const PAYLOADS = fileURLToPath(new URL('../../../shared/data/zigbee2mqtt/payloads.json', import.meta.url));

const STATE = (friendlyName: string): Zigbee2mqttTopic => ({ kind: 'state', friendlyName });
const AVAILABILITY = (friendlyName: string): Zigbee2mqttTopic => ({ kind: 'availability', friendlyName });
const BRIDGE: Zigbee2mqttTopic = { kind: 'bridge' };
const OTHER: Zigbee2mqttTopic = { kind: 'other' };
const CALL: Z2mInput = { kind: 'call-point', event: 'call' };
const battery = (percent: number): Z2mInput => ({ kind: 'state', state: { kind: 'battery', percent } });

type Expect =
  /** An availability or bridge-state payload: what decodeZigbee2mqttAvailability says. */
  | { topic: Zigbee2mqttTopic | null; availability: 'online' | 'offline' }
  /** A state payload: the checked fields it decodes to, and its inputs for a live message from a 'call' button. */
  | { topic: Zigbee2mqttTopic | null; decoded: Record<string, unknown>; live: Z2mInput[] }
  /** A payload the state decoder refuses, with the code. */
  | { topic: Zigbee2mqttTopic | null; error: string };

// Keyed by topic, then payload exactly as in the file. Truncated payloads ("…,...}") are not JSON.
const EXPECTED: Record<string, Record<string, Expect>> = {
  'zigbee2mqtt/bridge/state': {
    '{"state":"online"}': { topic: BRIDGE, availability: 'online' }, // 2.x bridge state
    '{"state":"offline"}': { topic: BRIDGE, availability: 'offline' }, // 2.x last will
    online: { topic: BRIDGE, availability: 'online' }, // 1.x legacy
    offline: { topic: BRIDGE, availability: 'offline' },
  },
  'zigbee2mqtt/remote/availability': {
    '{"state":"online"}': { topic: AVAILABILITY('remote'), availability: 'online' }, // 2.x
    '{"state":"offline"}': { topic: AVAILABILITY('remote'), availability: 'offline' },
  },
  'zigbee2mqtt/ikea_onoff_1/availability': {
    online: { topic: AVAILABILITY('ikea_onoff_1'), availability: 'online' }, // 1.x plain string
  },
  'zigbee2mqtt/<friendly_name>/availability': {
    '{"state": "online"}': { topic: AVAILABILITY('<friendly_name>'), availability: 'online' }, // with a space after the colon
    '{"state": "offline"}': { topic: AVAILABILITY('<friendly_name>'), availability: 'offline' },
  },
  'homeassistant/sensor/0x0c4314fffe03c247/battery/config': {
    // Home Assistant discovery, not under the base topic; the excerpt ends in ",...}".
    '{"availability":[{"topic":"zigbee2mqtt/bridge/state"},{"topic":"zigbee2mqtt/0x0c4314fffe03c247/availability"}],"availability_mode":"all",...}': { topic: OTHER, error: 'bad-json' },
  },
  'zigbee2mqtt/0x00158d00067bd278': {
    // Aqara WXKG11LM single press, then the 1.x '' reset with the same cached state.
    '{"action":"single","battery":100,"linkquality":167,"power_outage_count":13,"temperature":33,"voltage":3245}': {
      topic: STATE('0x00158d00067bd278'),
      decoded: { action: 'single', battery: 100, linkquality: 167, power_outage_count: 13, temperature: 33, voltage: 3245 },
      live: [CALL, battery(100)],
    },
    '{"action":"","battery":100,"linkquality":167,"power_outage_count":13,"temperature":33,"voltage":3245}': {
      topic: STATE('0x00158d00067bd278'),
      decoded: { action: '', battery: 100, linkquality: 167 },
      live: [battery(100)],
    },
  },
  'zigbee2mqtt/0x00158d00067bd278/action': {
    single: { topic: OTHER, error: 'bad-json' }, // 1.x plain-text copy of the action: not read
  },
  'zigbee2mqtt/button': {
    '{"action":"single","linkquality":10}': { topic: STATE('button'), decoded: { action: 'single', linkquality: 10 }, live: [CALL] },
    '{"action":"single"}': { topic: STATE('button'), decoded: { action: 'single' }, live: [CALL] }, // device option legacy=false
  },
  'zigbee2mqtt/button_double_key': {
    '{"action":"single_left"}': { topic: STATE('button_double_key'), decoded: { action: 'single_left' }, live: [CALL] }, // endpoint-suffixed
    '{"action":"single_right"}': { topic: STATE('button_double_key'), decoded: { action: 'single_right' }, live: [CALL] },
  },
  'zigbee2mqtt/0x54ef441000179f97': {
    '{"action":"button_1_single","battery":94,"linkquality":116,"operation_mode":"command","power_outage_count":21,"voltage":2991}': {
      topic: STATE('0x54ef441000179f97'),
      decoded: { action: 'button_1_single', battery: 94, linkquality: 116, operation_mode: 'command' },
      live: [CALL, battery(94)], // button-prefixed
    },
    '{"action":"","battery":94,"linkquality":116,"operation_mode":"command","power_outage_count":2...': { topic: STATE('0x54ef441000179f97'), error: 'bad-json' },
  },
  'zigbee2mqtt/0x705464fffe381ea4': {
    '{"action":"on","battery":100,"linkquality":102,"update":{"installed_version":-1,...': { topic: STATE('0x705464fffe381ea4'), error: 'bad-json' },
  },
  'zigbee2mqtt/SchakelaarEddy/click': {
    on: { topic: OTHER, error: 'bad-json' }, // 1.x legacy 'click' copy
  },
  'zigbee2mqtt/SchakelaarEddy': {
    '{"linkquality":39,"last_seen":"2020-03-01T17:07:30+01:00","battery":87,"update_available":true,"click":"on","device":{"friendlyName":"SchakelaarEddy","model":"E1743","ieeeAddr":"0xec1bbdfffe910c8a",...}}': {
      topic: STATE('SchakelaarEddy'),
      error: 'bad-json',
    },
    '{"linkquality":39,...,"click":"",...}': { topic: STATE('SchakelaarEddy'), error: 'bad-json' },
  },
  'zigbee2mqtt/0x847127fffe0542eb': {
    // Tuya SOS: battery null before the first report is "not reported", not an error.
    '{"action":"emergency","battery":null,"linkquality":90}': { topic: STATE('0x847127fffe0542eb'), decoded: { action: 'emergency', linkquality: 90 }, live: [CALL] },
    '{"action":"","battery":null,"linkquality":90}': { topic: STATE('0x847127fffe0542eb'), decoded: { action: '', linkquality: 90 }, live: [] },
  },
  'zigbee2mqtt/0x847127fffe0542eb/action': {
    emergency: { topic: OTHER, error: 'bad-json' },
  },
  'zigbee2mqtt/0xa4c13899607febd1': {
    // Tuya DP SOS on 2.x: action null on a device announce, then the press.
    '{"action":null,"battery":100,"last_seen":"2026-04-17T23:33:17+08:00","linkquality":14}': {
      topic: STATE('0xa4c13899607febd1'),
      decoded: { battery: 100, linkquality: 14, last_seen: '2026-04-17T23:33:17+08:00' },
      live: [battery(100)],
    },
    '{"action":"emergency","battery":100,"last_seen":"2026-04-17T23:33:22+08:00","linkquality":18}': {
      topic: STATE('0xa4c13899607febd1'),
      decoded: { action: 'emergency', battery: 100, linkquality: 18 },
      live: [CALL, battery(100)],
    },
    '{"action":"","battery":100,"last_seen":"2026-04-17T23:33...': { topic: STATE('0xa4c13899607febd1'), error: 'bad-json' },
  },
  'zigbee2mqtt/bridge/event': {
    '{"data":{"friendly_name":"0xa4c13899607febd1","ieee_address":"0xa4c13899607febd1"},"type":"device_announce"}': { topic: BRIDGE, decoded: { type: 'device_announce' }, live: [] },
  },
  '(captured state)': {
    // Heiman HS1EB on 2.0: the state keeps "single" after the press. Live it is a press; retained it is not (checked for every row).
    '{"battery": 51.5, "linkquality": 192, "action": "single"}': { topic: null, decoded: { action: 'single', battery: 51.5, linkquality: 192 }, live: [CALL, battery(51.5)] },
  },
};

const CALL_BUTTON = Zigbee2mqttMapping.parse({ role: 'call' });

if (requireForFile('the shared zigbee2mqtt payloads (../shared/data/zigbee2mqtt/payloads.json)', existsSync(PAYLOADS), 'the shared test data folder next to the repository')) {
  const samples = loadZ2mSamples(PAYLOADS);

  t.test('every payload in the file has an expectation, and every expectation a payload', async (t) => {
    t.equal(samples.length, 31, 'payloads collected from the file');
    const seen = new Set(samples.map((s) => `${s.topic ?? '(captured state)'}\n${s.payload}`));
    const listed = Object.entries(EXPECTED).flatMap(([topic, rows]) => Object.keys(rows).map((p) => `${topic}\n${p}`));
    t.same([...seen].filter((k) => !listed.includes(k)), [], 'payloads without an expectation');
    t.same(listed.filter((k) => !seen.has(k)), [], 'expectations without a payload');
  });

  for (const sample of samples) {
    const topicKey = sample.topic ?? '(captured state)';
    const want = EXPECTED[topicKey]?.[sample.payload];
    if (!want) continue; // reported by the test above
    t.test(`${topicKey} ${sample.payload.slice(0, 70)}`, async (t) => {
      if (sample.topic !== null) t.same(parseZigbee2mqttTopic('zigbee2mqtt', sample.topic), want.topic, 'topic class');
      if ('availability' in want) {
        t.equal(decodeZigbee2mqttAvailability(sample.payload), want.availability);
        t.equal(decodeZigbee2mqttAvailability(new TextEncoder().encode(sample.payload)), want.availability, 'same from bytes');
      } else if ('error' in want) {
        t.throws(() => decodeZigbee2mqttPayload(sample.payload), { name: 'Zigbee2mqttDecodeError', code: want.error });
      } else {
        const decoded = decodeZigbee2mqttPayload(new TextEncoder().encode(sample.payload));
        t.match(decoded, want.decoded, 'decoded fields (unknown keys pass through)');
        for (const key of ['action', 'battery', 'linkquality']) if (!(key in want.decoded)) t.notOk(key in decoded, `${key} absent (null or not sent)`);
        t.same(zigbee2mqttToInputs(decoded, CALL_BUTTON, { retained: false }), want.live, 'inputs of a live message from a call button');
        const retained = zigbee2mqttToInputs(decoded, CALL_BUTTON, { retained: true });
        t.same(retained, want.live.filter((i) => i.kind !== 'call-point'), 'retained: the same states and never a call');
      }
    });
  }
}

t.test('topics', async (t) => {
  const rows: Array<[string, string, Zigbee2mqttTopic]> = [
    ['zigbee2mqtt', 'zigbee2mqtt/room 101/button', STATE('room 101/button')], // friendly names may contain '/'
    ['zigbee2mqtt', 'zigbee2mqtt/room 101/button/availability', AVAILABILITY('room 101/button')],
    ['zigbee2mqtt', 'zigbee2mqtt/button/set', OTHER], // a command to the device
    ['zigbee2mqtt', 'zigbee2mqtt/button/get', OTHER],
    ['zigbee2mqtt', 'zigbee2mqtt/floor/lamp/set/brightness', OTHER], // command with an attribute
    ['zigbee2mqtt', 'zigbee2mqtt/button/action', OTHER], // 1.x plain-text copy
    ['zigbee2mqtt', 'zigbee2mqtt/bridge', BRIDGE],
    ['zigbee2mqtt', 'zigbee2mqtt/bridge/request/permit_join', BRIDGE],
    ['zigbee2mqtt', 'zigbee2mqtt/bridges', STATE('bridges')], // only the level 'bridge' is the bridge
    ['zigbee2mqtt', 'zigbee2mqtt/set', STATE('set')], // a device named 'set' (no name before it)
    ['zigbee2mqtt', 'zigbee2mqtt/availability', STATE('availability')],
    ['zigbee2mqtt', 'zigbee2mqtt', OTHER],
    ['zigbee2mqtt', 'zigbee2mqtt/', OTHER],
    ['zigbee2mqtt', 'zigbee2mqtt//button', OTHER], // names never start or end with '/'
    ['zigbee2mqtt', 'zigbee2mqtt/button/', OTHER],
    ['zigbee2mqtt', 'zigbee2mqttx/button', OTHER], // the base is a whole level
    ['zigbee2mqtt', 'other/button', OTHER],
    ['home/z2m', 'home/z2m/hall/sos', STATE('hall/sos')], // a base topic with levels
    ['home/z2m', 'home/z2m/bridge/state', BRIDGE],
    ['home/z2m', 'zigbee2mqtt/hall/sos', OTHER],
    ['', '/button', OTHER], // no base topic configured: nothing matches
  ];
  for (const [base, topic, want] of rows) t.same(parseZigbee2mqttTopic(base, topic), want, `${base} ${topic}`);
});

t.test('state payload checks: every failure is a Zigbee2mqttDecodeError with its code and field', async (t) => {
  const rows: Array<[string | Uint8Array, string, string | undefined]> = [
    ['{"battery":101}', 'out-of-range', 'battery'],
    ['{"battery":-1}', 'out-of-range', 'battery'],
    ['{"battery":1e999}', 'out-of-range', 'battery'], // JSON.parse makes Infinity
    ['{"linkquality":256}', 'out-of-range', 'linkquality'],
    ['{"linkquality":1.5}', 'out-of-range', 'linkquality'], // LQI is a whole number
    ['{"battery":"100"}', 'bad-type', 'battery'],
    ['{"occupancy":"true"}', 'bad-type', 'occupancy'],
    ['{"contact":1}', 'bad-type', 'contact'], // a number where a boolean belongs
    ['{"action":1}', 'bad-type', 'action'],
    ['{"water_leak":"yes"}', 'bad-type', 'water_leak'],
    ['[]', 'not-object', undefined],
    ['null', 'not-object', undefined],
    ['"single"', 'not-object', undefined],
    ['42', 'not-object', undefined],
    ['{"action":"single"', 'bad-json', undefined],
    ['single', 'bad-json', undefined],
    ['', 'empty', undefined],
    ['  \n', 'empty', undefined],
    [new Uint8Array(), 'empty', undefined],
    [Uint8Array.of(0x7b, 0xff, 0x7d), 'encoding', undefined], // '{', a byte that is never UTF-8, '}'
  ];
  for (const [payload, code, field] of rows) {
    t.throws(() => decodeZigbee2mqttPayload(payload), { name: 'Zigbee2mqttDecodeError', code, field }, `${String(payload)} → ${code}`);
  }
  const err = (() => {
    try {
      decodeZigbee2mqttPayload('{"battery":120,"contact":"shut"}');
    } catch (e) {
      return e as Zigbee2mqttDecodeError;
    }
  })();
  t.ok(err instanceof Zigbee2mqttDecodeError);
  t.match(err?.message, /^out-of-range: battery: 120 .*; contact: "shut"/, 'the message names every bad field with its value, first one decides the code');
});

t.test('state payload: values at the edges, nulls dropped, unknown keys kept', async (t) => {
  t.same(decodeZigbee2mqttPayload('{"battery":0,"linkquality":0}'), { battery: 0, linkquality: 0 });
  t.same(decodeZigbee2mqttPayload('{"battery":100,"linkquality":255}'), { battery: 100, linkquality: 255 });
  t.same(decodeZigbee2mqttPayload('{"occupancy":null,"contact":null,"water_leak":null,"linkquality":null}'), {});
  t.same(decodeZigbee2mqttPayload('{"tamper":false,"voltage":null}'), { tamper: false, voltage: null }, 'only the checked keys lose their nulls');
  t.same(decodeZigbee2mqttPayload(' \n{"action":"hold"}\r\n'), { action: 'hold' }, 'whitespace around the JSON is fine');
  t.same(decodeZigbee2mqttPayload(Uint8Array.of(0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"action":"hold"}'))), { action: 'hold' }, 'a UTF-8 byte-order mark is dropped');
});

t.test('availability checks', async (t) => {
  t.equal(decodeZigbee2mqttAvailability(' online\n'), 'online');
  for (const bad of ['Online', 'up', '{"state":"unknown"}', '{"availability":"online"}', '"online"', '[]', '{"state":']) {
    t.throws(() => decodeZigbee2mqttAvailability(bad), { code: 'bad-availability' }, bad);
  }
  t.throws(() => decodeZigbee2mqttAvailability(''), { code: 'empty' });
  t.throws(() => decodeZigbee2mqttAvailability(Uint8Array.of(0xc3)), { code: 'encoding' }, 'a cut UTF-8 sequence');
});

t.test('default action table: a call button calls, a cancel button cancels, other roles do nothing', async (t) => {
  const call = Zigbee2mqttMapping.parse({ role: 'call' });
  const cancel = Zigbee2mqttMapping.parse({ role: 'cancel' });
  const rows: Array<[string, 'call' | null]> = [
    ['single', 'call'],
    ['double', 'call'],
    ['hold', 'call'],
    ['long', 'call'],
    ['sos', 'call'],
    ['emergency', 'call'],
    ['press', 'call'],
    ['single_left', 'call'], // endpoint-suffixed
    ['button_1_single', 'call'], // button-prefixed
    ['long_press', 'call'],
    ['release', null], // the end of a hold already counted
    ['hold_release', null],
    ['triple', null], // not in the table
    ['on', null],
    ['off', null], // Heiman HS1EB zone status 0
    ['brightness_move_up', null],
    ['', null], // the 1.x reset
    ['singles', null], // a word, not a prefix
  ];
  for (const [action, want] of rows) {
    t.equal(zigbee2mqttActionEvent(action, call), want, `call button: ${JSON.stringify(action)}`);
    t.equal(zigbee2mqttActionEvent(action, cancel), want && 'cancel', `cancel button: ${JSON.stringify(action)}`);
    for (const role of ['bed-exit', 'door', 'sensor'] as const) t.equal(zigbee2mqttActionEvent(action, { role }), null, `${role}: ${JSON.stringify(action)}`);
  }
});

t.test("the installer's action map replaces the default table", async (t) => {
  const mapping = Zigbee2mqttMapping.parse({ role: 'call', actions: { on: 'call', off: 'cancel', button_2_single: 'cancel' } });
  t.equal(zigbee2mqttActionEvent('on', mapping), 'call');
  t.equal(zigbee2mqttActionEvent('off', mapping), 'cancel');
  t.equal(zigbee2mqttActionEvent('button_2_single', mapping), 'cancel');
  t.equal(zigbee2mqttActionEvent('single', mapping), null, 'not listed: nothing, even though the default table has it');
  for (const inherited of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    t.equal(zigbee2mqttActionEvent(inherited, mapping), null, `${inherited} is not an entry of the map`);
  }
  t.same(zigbee2mqttToInputs({ action: 'off' }, mapping, { retained: false }), [{ kind: 'call-point', event: 'cancel' }]);
  t.same(zigbee2mqttToInputs({ action: 'off' }, mapping, { retained: true }), [], 'a retained cancel cancels nothing either');
  t.equal(zigbee2mqttActionEvent('open', Zigbee2mqttMapping.parse({ role: 'door', actions: { open: 'call' } })), 'call', 'any role may have a map');
  t.equal(zigbee2mqttActionEvent('', { role: 'call', actions: { '': 'call' } }), null, 'an empty action is nothing even in a map built without the schema');
});

t.test('mapping schema', async (t) => {
  t.notOk(Zigbee2mqttMapping.safeParse({ role: 'panic' }).success, 'unknown role');
  t.notOk(Zigbee2mqttMapping.safeParse({ role: 'call', actions: { single: 'alarm' } }).success, 'unknown event');
  t.notOk(Zigbee2mqttMapping.safeParse({ role: 'call', actions: { '': 'call' } }).success, 'an empty action is never a press');
  t.notOk(Zigbee2mqttMapping.safeParse({ role: 'call', room: '101' }).success, 'unknown key');
});

t.test('states by role', async (t) => {
  const state = (role: Zigbee2mqttMapping['role'], json: string) => zigbee2mqttToInputs(decodeZigbee2mqttPayload(json), { role }, { retained: false });
  t.same(state('sensor', '{"occupancy":true}'), [{ kind: 'state', state: { kind: 'presence', present: true } }]);
  t.same(state('sensor', '{"occupancy":false}'), [{ kind: 'state', state: { kind: 'presence', present: false } }]);
  t.same(state('bed-exit', '{"occupancy":false}'), [{ kind: 'state', state: { kind: 'bed-exit', out: true } }], 'nobody on the bed sensor: out of bed');
  t.same(state('bed-exit', '{"occupancy":true}'), [{ kind: 'state', state: { kind: 'bed-exit', out: false } }]);
  t.same(state('door', '{"contact":false}'), [{ kind: 'state', state: { kind: 'door', open: true } }], 'contact false = open');
  t.same(state('door', '{"contact":true}'), [{ kind: 'state', state: { kind: 'door', open: false } }]);
  t.same(state('sensor', '{"water_leak":true}'), [{ kind: 'state', state: { kind: 'water-leak', leak: true } }]);
  t.same(state('sensor', '{"water_leak":false,"battery":0}'), [
    { kind: 'state', state: { kind: 'water-leak', leak: false } },
    { kind: 'state', state: { kind: 'battery', percent: 0 } },
  ]);
  t.same(
    zigbee2mqttToInputs(decodeZigbee2mqttPayload('{"occupancy":true,"contact":false,"water_leak":false}'), { role: 'sensor' }, { retained: true }),
    [
      { kind: 'state', state: { kind: 'presence', present: true } },
      { kind: 'state', state: { kind: 'door', open: true } },
      { kind: 'state', state: { kind: 'water-leak', leak: false } },
    ],
    'a retained state is still the current state',
  );
  t.same(state('call', '{"linkquality":80,"voltage":3000}'), [], 'link quality alone is no input');
});
