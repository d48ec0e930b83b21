import t from 'tap';
import { openHarness } from './app-harness.ts';
import { alarm, alarmUpdate, batch, reading } from './fixtures.ts';

const h = await openHarness();
t.teardown(() => h.db.close());
const { a, b } = h;

interface AlarmItem {
  id: string;
  hubId: string;
  state: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  raisedAt: string;
  lifecycle: Array<{ state: string; at: string; by: { kind: string; id?: string }; eventId: string; seq: number }>;
}

async function list(path: string, token: string): Promise<AlarmItem[]> {
  const res = await h.get(path, token);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { items: AlarmItem[] }).items;
}

t.test('401 without an API key, and a hub token is not an API key', async (t) => {
  t.equal((await h.get('/v1/alarms')).status, 401);
  t.equal((await h.get('/v1/alarms', a.hubToken)).status, 401);
  t.equal((await h.get('/v1/alarms', 'nope')).status, 401);
});

t.test('alarm then acknowledge: state acknowledged with a 2-entry lifecycle', async (t) => {
  const raised = alarm(a.hubId, 1);
  const ack = alarmUpdate(a.hubId, 2, raised.payload.alarmId, 'acknowledged');
  t.equal((await h.ingest(a.hubToken, batch(a.hubId, [raised]))).status, 200);
  t.equal((await h.ingest(a.hubToken, batch(a.hubId, [ack]))).status, 200);

  const items = await list('/v1/alarms', a.apiKey);
  t.equal(items.length, 1);
  const item = items[0]!;
  t.match(item, {
    id: raised.payload.alarmId,
    hubId: a.hubId,
    roomId: 'room-101',
    deviceId: 'call-101',
    residentId: 'res-7',
    key: 'call:room-101',
    type: 'call',
    priority: 'high',
    state: 'acknowledged',
    reason: 'call button pressed',
    raisedAt: raised.hubTime,
    acknowledgedAt: ack.hubTime,
    resolvedAt: null,
  });
  t.same(item.lifecycle, [
    { state: 'active', at: raised.hubTime, by: { kind: 'rule', id: 'call-point' }, eventId: raised.id, seq: 1 },
    { state: 'acknowledged', at: ack.hubTime, by: { kind: 'panel', id: 'nurse-station' }, eventId: ack.id, seq: 2 },
  ]);
});

t.test('newest first, filters and tenancy over HTTP', async (t) => {
  const second = alarm(a.hubId, 4);
  await h.ingest(a.hubToken, batch(a.hubId, [reading(a.hubId, 3), second]));
  const other = alarm(b.hubId, 1);
  await h.ingest(b.hubToken, batch(b.hubId, [other]));

  const all = await list('/v1/alarms', a.apiKey);
  t.same(all.map((x) => x.id), [second.payload.alarmId, all[1]?.id], 'newest first');
  t.equal(all.length, 2, "org B's alarm is not listed for org A");
  t.same((await list('/v1/alarms?state=active', a.apiKey)).map((x) => x.id), [second.payload.alarmId]);
  t.equal((await list('/v1/alarms?state=acknowledged', a.apiKey)).length, 1);
  t.equal((await list('/v1/alarms?limit=1', a.apiKey)).length, 1);
  t.equal((await list(`/v1/alarms?hubId=${b.hubId}`, a.apiKey)).length, 0, 'naming the other hub shows nothing');
  t.same((await list('/v1/alarms', b.apiKey)).map((x) => x.id), [other.payload.alarmId]);
});

t.test('bad query parameters are a 400 problem naming them', async (t) => {
  const res = await h.get('/v1/alarms?state=sleeping&limit=0', a.apiKey);
  t.equal(res.status, 400);
  const p = (await res.json()) as { errors: Array<{ path: string }> };
  t.same(p.errors.map((e) => e.path).sort(), ['limit', 'state']);
});
