import t from 'tap';
import {
  Actor,
  ALARM_PRIORITIES,
  ALARM_STATES,
  AlarmPayload,
  AlarmUpdatePayload,
  AuditPayload,
  CallPointPayload,
  DeviceStatusPayload,
  Event,
  Id,
  isCritical,
  IsoTime,
  ReadingPayload,
} from '../../protocols/event.ts';

// Two literal UUIDv7 strings (version nibble 7, variant nibble 8/b), written out by hand.
const ID_A = '0192f1a0-7c3e-7a12-8b34-0123456789ab';
const ID_B = '0192f1a0-7c3e-7fff-bfff-ffffffffffff';

const envelope = { id: ID_A, hubId: 'hub-1', seq: 1, hubTime: '2026-11-24T21:00:00.000Z' };

// One valid event of every kind: the fixtures every boundary row below starts from.
const valid = {
  'call-point': { ...envelope, kind: 'call-point', payload: { event: 'call', deviceSeq: 7, battery: null, via: 'serial' } },
  reading: { ...envelope, kind: 'reading', payload: { metric: 'spo2', loinc: '59408-5', value: 97, unit: '%' } },
  alarm: {
    ...envelope,
    kind: 'alarm',
    payload: { alarmId: ID_B, key: 'call:room-101', type: 'call', priority: 'high', state: 'active', ruleId: 'call-point', reason: 'call button', causeEventId: ID_A },
  },
  'alarm-update': { ...envelope, kind: 'alarm-update', payload: { alarmId: ID_B, state: 'acknowledged', by: { kind: 'panel', id: 'nurse-1' }, note: 'on my way' } },
  'device-status': { ...envelope, kind: 'device-status', payload: { status: 'low-battery', battery: 9, detail: 'cell 1' } },
  audit: { ...envelope, kind: 'audit', payload: { action: 'login', actor: { kind: 'operator' }, detail: { ip: '10.0.0.1' } } },
} as const;

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;
const s = (n: number, c = 'a') => c.repeat(n);

t.test('a valid event of each kind parses to itself', async (t) => {
  for (const [kind, event] of Object.entries(valid)) {
    const r = Event.safeParse(event);
    t.ok(r.success, kind);
    t.same(r.data, event, `${kind} round-trips unchanged`);
  }
});

t.test('Id: letters, digits and . _ : - only, 1..64 characters, not starting with punctuation', async (t) => {
  const rows: Array<[string, boolean]> = [
    ['a', true], // shortest
    [s(64), true], // longest
    [s(65), false], // one too long
    ['', false], // empty
    ['Room-101_b.2:x', true], // every allowed punctuation mark
    ['0abc', true], // digit first
    ['Z', true], // upper case
    ['.a', false], // punctuation first
    ['-a', false],
    ['a b', false], // space inside
    ['a/b', false], // topic separator
    ['a+', false], // MQTT wildcard at the end
    ['#a', false], // MQTT wildcard at the start
    ['é', false], // non-ASCII
  ];
  for (const [value, accepted] of rows) t.equal(ok(Id, value), accepted, JSON.stringify(value));
  const r = Id.safeParse('a b');
  t.equal(r.error?.issues[0]?.message, 'letters, digits, . _ : - only', 'the reason names the allowed characters');
});

t.test('IsoTime: ISO 8601 with an offset', async (t) => {
  const rows: Array<[string, boolean]> = [
    ['2026-11-24T21:00:00Z', true],
    ['2026-11-24T21:00:00.123+01:00', true],
    ['2026-11-24T21:00:00', false], // no offset
    ['2026-11-24', false],
    ['yesterday', false],
  ];
  for (const [value, accepted] of rows) t.equal(ok(IsoTime, value), accepted, value);
});

t.test('enumerations: exactly the documented values', async (t) => {
  t.same([...ALARM_PRIORITIES], ['high', 'medium', 'low', 'technical']);
  t.same([...ALARM_STATES], ['active', 'acknowledged', 'resolved']);
  for (const kind of ['panel', 'device', 'rule', 'system', 'operator']) t.ok(ok(Actor, { kind }), `actor ${kind}`);
  t.notOk(ok(Actor, { kind: 'nurse' }), 'unknown actor kind');
  t.notOk(ok(Actor, { kind: '' }), 'empty actor kind');
  t.notOk(ok(Actor, {}), 'actor without kind');
  t.notOk(ok(Actor, { kind: 'panel', extra: 1 }), 'actor is strict');
  t.ok(ok(Actor, { kind: 'panel', id: s(128) }), 'actor id of 128');
  t.notOk(ok(Actor, { kind: 'panel', id: s(129) }), 'actor id of 129');
  for (const via of ['serial', 'mqtt', 'zigbee2mqtt']) t.ok(ok(CallPointPayload, { ...valid['call-point'].payload, via }), `via ${via}`);
  t.notOk(ok(CallPointPayload, { ...valid['call-point'].payload, via: '' }), 'empty via');
  for (const event of ['call', 'cancel', 'pull-cord', 'heartbeat', 'low-battery']) {
    t.ok(ok(CallPointPayload, { ...valid['call-point'].payload, event }), `call-point event ${event}`);
  }
  for (const status of ['online', 'offline', 'low-battery', 'fault']) t.ok(ok(DeviceStatusPayload, { status }), `status ${status}`);
  t.notOk(ok(DeviceStatusPayload, { status: '' }), 'empty status');
  for (const priority of ['high', 'medium', 'low', 'technical']) t.ok(ok(AlarmPayload, { ...valid.alarm.payload, priority }), `priority ${priority}`);
  t.notOk(ok(AlarmPayload, { ...valid.alarm.payload, priority: 'urgent' }), 'unknown priority');
  for (const state of ['active', 'acknowledged', 'resolved']) t.ok(ok(AlarmUpdatePayload, { ...valid['alarm-update'].payload, state }), `update state ${state}`);
  t.notOk(ok(AlarmUpdatePayload, { ...valid['alarm-update'].payload, state: 'closed' }), 'unknown update state');
  t.notOk(ok(AlarmPayload, { ...valid.alarm.payload, state: 'acknowledged' }), 'a new alarm is always active');
});

// Each row: schema, the field changed from the valid payload, the value, accepted?
t.test('payload field boundaries', async (t) => {
  const cp = valid['call-point'].payload;
  const rd = valid.reading.payload;
  const al = valid.alarm.payload;
  const up = valid['alarm-update'].payload;
  const ds = valid['device-status'].payload;
  const au = valid.audit.payload;
  type Row = [string, { safeParse(v: unknown): { success: boolean } }, object, string, unknown, boolean];
  const rows: Row[] = [
    ['deviceSeq 0', CallPointPayload, cp, 'deviceSeq', 0, true],
    ['deviceSeq 65535', CallPointPayload, cp, 'deviceSeq', 65535, true],
    ['deviceSeq -1', CallPointPayload, cp, 'deviceSeq', -1, false],
    ['deviceSeq 65536', CallPointPayload, cp, 'deviceSeq', 65536, false],
    ['deviceSeq 1.5', CallPointPayload, cp, 'deviceSeq', 1.5, false],
    ['battery 0', CallPointPayload, cp, 'battery', 0, true],
    ['battery 100', CallPointPayload, cp, 'battery', 100, true],
    ['battery 50.5', CallPointPayload, cp, 'battery', 50.5, true],
    ['battery -1', CallPointPayload, cp, 'battery', -1, false],
    ['battery 101', CallPointPayload, cp, 'battery', 101, false],
    ['battery missing', CallPointPayload, cp, 'battery', undefined, false],
    ['metric unknown', ReadingPayload, rd, 'metric', 'mood', false],
    ['metric heart-rate', ReadingPayload, rd, 'metric', 'heart-rate', true],
    ['value negative', ReadingPayload, rd, 'value', -40, true],
    ['value Infinity', ReadingPayload, rd, 'value', Infinity, false],
    ['value as text', ReadingPayload, rd, 'value', '97', false],
    ['alarmId not v7', AlarmPayload, al, 'alarmId', '0192f1a0-7c3e-4a12-8b34-0123456789ab', false],
    ['alarmId with junk after', AlarmPayload, al, 'alarmId', `${ID_B}x`, false],
    ['key of 1', AlarmPayload, al, 'key', 'k', true],
    ['key of 200', AlarmPayload, al, 'key', s(200), true],
    ['key of 201', AlarmPayload, al, 'key', s(201), false],
    ['key empty', AlarmPayload, al, 'key', '', false],
    ['type of 1', AlarmPayload, al, 'type', 't', true],
    ['type of 64', AlarmPayload, al, 'type', s(64), true],
    ['type of 65', AlarmPayload, al, 'type', s(65), false],
    ['type empty', AlarmPayload, al, 'type', '', false],
    ['reason of 500', AlarmPayload, al, 'reason', s(500), true],
    ['reason of 501', AlarmPayload, al, 'reason', s(501), false],
    ['reason empty', AlarmPayload, al, 'reason', '', true],
    ['causeEventId absent', AlarmPayload, al, 'causeEventId', undefined, true],
    ['causeEventId not a uuid', AlarmPayload, al, 'causeEventId', 'event-1', false],
    ['note of 500', AlarmUpdatePayload, up, 'note', s(500), true],
    ['note of 501', AlarmUpdatePayload, up, 'note', s(501), false],
    ['note absent', AlarmUpdatePayload, up, 'note', undefined, true],
    ['by unknown kind', AlarmUpdatePayload, up, 'by', { kind: 'ghost' }, false],
    ['status battery null', DeviceStatusPayload, ds, 'battery', null, true],
    ['status battery absent', DeviceStatusPayload, ds, 'battery', undefined, true],
    ['status battery 100', DeviceStatusPayload, ds, 'battery', 100, true],
    ['status battery 101', DeviceStatusPayload, ds, 'battery', 101, false],
    ['status battery -1', DeviceStatusPayload, ds, 'battery', -1, false],
    ['detail of 500', DeviceStatusPayload, ds, 'detail', s(500), true],
    ['detail of 501', DeviceStatusPayload, ds, 'detail', s(501), false],
    ['action of 1', AuditPayload, au, 'action', 'x', true],
    ['action of 100', AuditPayload, au, 'action', s(100), true],
    ['action of 101', AuditPayload, au, 'action', s(101), false],
    ['action empty', AuditPayload, au, 'action', '', false],
    ['audit detail absent', AuditPayload, au, 'detail', undefined, true],
    ['audit detail not an object', AuditPayload, au, 'detail', 'text', false],
  ];
  for (const [name, schema, base, field, value, accepted] of rows) {
    const candidate: Record<string, unknown> = { ...base, [field]: value };
    if (value === undefined) delete candidate[field];
    t.equal(ok(schema, candidate), accepted, name);
  }
  for (const [name, schema, base] of [
    ['call-point', CallPointPayload, cp],
    ['reading', ReadingPayload, rd],
    ['alarm', AlarmPayload, al],
    ['alarm-update', AlarmUpdatePayload, up],
    ['device-status', DeviceStatusPayload, ds],
    ['audit', AuditPayload, au],
  ] as const) {
    t.notOk(ok(schema, { ...base, extra: true }), `${name} payload refuses unknown fields`);
  }
});

t.test('envelope boundaries', async (t) => {
  const base = valid.reading;
  const rows: Array<[string, Record<string, unknown>, boolean]> = [
    ['seq 1', { seq: 1 }, true],
    ['seq 0', { seq: 0 }, false],
    ['seq 2.5', { seq: 2.5 }, false],
    ['id not a uuid', { id: 'abc' }, false],
    ['id upper case', { id: ID_A.toUpperCase() }, false],
    ['hubId bad', { hubId: 'hub 1' }, false],
    ['hubTime without offset', { hubTime: '2026-11-24T21:00:00' }, false],
    ['optional ids', { deviceId: 'btn-1', roomId: 'room-101', residentId: 'r-7', deviceTime: '2026-11-24T20:59:59Z' }, true],
    ['deviceId bad', { deviceId: 'btn 1' }, false],
    ['roomId bad', { roomId: '' }, false],
    ['residentId bad', { residentId: '/r' }, false],
    ['deviceTime bad', { deviceTime: 'now' }, false],
    ['unknown envelope field', { tenant: 'x' }, false],
    ['kind unknown', { kind: 'heartbeat' }, false],
    ['kind does not match payload', { kind: 'alarm' }, false],
  ];
  for (const [name, change, accepted] of rows) t.equal(ok(Event, { ...base, ...change }), accepted, name);
  const r = Event.safeParse({ ...base, id: 'abc' });
  t.equal(r.error?.issues[0]?.message, 'must be a UUIDv7', 'the reason for a bad id');
});

t.test('isCritical: alarms, their updates and calls; never readings, status or audit', async (t) => {
  const expected: Record<string, boolean> = {
    alarm: true,
    'alarm-update': true,
    'alarm-escalation': true,
    'call-point': true,
    reading: false,
    'device-status': false,
    audit: false,
  };
  for (const [kind, critical] of Object.entries(expected)) t.equal(isCritical({ kind } as never), critical, kind);
});
