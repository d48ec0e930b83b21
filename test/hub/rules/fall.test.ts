/**
 * The fall rule through the engine (docs/rules.md#fall): a radar's fall raises a high-priority alarm
 * for the room; the radar's "no fall" never resolves it; a repeat while open only counts.
 */
import t, { type Test } from 'tap';
import { fallRule } from '../../../hub/rules/fall.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { ruleRig } from './rule-rig.ts';

const radar = { deviceId: 'radar-7', roomId: 'room-7', residentId: 'res-7' } as const;
const fall = (fallen: boolean, where: { deviceId: string; roomId?: string; residentId?: string } = radar) =>
  ({ ...where, kind: 'state', payload: { kind: 'fall', fallen } }) as const;

async function rig(t: Test, ruleOptions: Record<string, unknown> = {}) {
  const r = await ruleRig(createMemoryStore(), new FakeClock(Date.UTC(2026, 10, 24, 3, 0)), [fallRule], { fall: ruleOptions });
  t.teardown(r.stop);
  return r;
}

t.test('a fall raises a high-priority fall alarm for the room, naming the radar and the resident', async (t) => {
  const { send, alarms } = await rig(t);
  await send(fall(true));
  t.match(alarms.list(), [
    { key: 'fall:room-7', type: 'fall', priority: 'high', ruleId: 'fall', roomId: 'room-7', deviceId: 'radar-7', residentId: 'res-7', reason: /radar-7.*room-7/ },
  ]);
  t.equal(alarms.list().length, 1);
});

t.test('the radar no longer reporting a fall does not resolve the alarm: a nurse must see the person', async (t) => {
  const { send, alarms, changes } = await rig(t);
  await send(fall(true));
  await send(fall(false));
  t.match(alarms.list(), [{ key: 'fall:room-7', state: 'active' }]);
  t.equal(changes.length, 1, 'fallen:false changed nothing');
});

t.test('fallen:false alone raises nothing', async (t) => {
  const { send, alarms } = await rig(t);
  await send(fall(false));
  t.same(alarms.list(), []);
});

t.test('a radar repeating its fall while the alarm is open counts a repeat, not a second alarm', async (t) => {
  const { send, alarms } = await rig(t);
  await send(fall(true));
  await send(fall(false));
  await send(fall(true));
  await send(fall(true));
  t.equal(alarms.list().length, 1);
  t.match(alarms.list(), [{ key: 'fall:room-7', repeats: 2 }]);
});

t.test('two rooms, two alarms; a radar without a room is keyed by the device', async (t) => {
  const { send, alarms } = await rig(t);
  await send(fall(true));
  await send(fall(true, { deviceId: 'radar-8', roomId: 'room-8' }));
  await send(fall(true, { deviceId: 'radar-loose' }));
  t.same(alarms.list().map((a) => a.key).sort(), ['fall:device-radar-loose', 'fall:room-7', 'fall:room-8']);
});

t.test('a fall after the alarm was resolved raises a new alarm', async (t) => {
  const { send, alarms } = await rig(t);
  await send(fall(true));
  await alarms.resolve(alarms.list()[0]!.id, { kind: 'panel', id: 'nurse-1' });
  await send(fall(true));
  t.match(alarms.list(), [{ key: 'fall:room-7', state: 'active', repeats: 0 }]);
});

t.test('other states are not the fall rule\'s: nothing raised, no state kept', async (t) => {
  const { send, alarms, engine } = await rig(t);
  await send({ ...radar, kind: 'state', payload: { kind: 'presence', present: true } });
  await send({ ...radar, kind: 'state', payload: { kind: 'motion', motion: 'none' } });
  t.same(alarms.list(), []);
  t.equal(engine.scopeCount('fall'), 0);
});

t.test('the priority comes from the options', async (t) => {
  const { send, alarms } = await rig(t, { priority: 'medium' });
  await send(fall(true));
  t.match(alarms.list(), [{ priority: 'medium' }]);
  t.throws(() => fallRule.options.parse({ priority: 'urgent' }));
});

t.test('a fall decided from a wearable is the wearer\'s: keyed by resident, the reason names wearer and impact', async (t) => {
  const { send, alarms } = await rig(t);
  const worn = (deviceId: string, residentId?: string) =>
    ({ deviceId, roomId: 'room-7', ...(residentId && { residentId }), kind: 'state', payload: { kind: 'fall', fallen: true, impactG: 3.4 } }) as const;
  await send(worn('wear-1', 'res-1'));
  await send(worn('wear-2', 'res-2'));
  await send(worn('wear-loose'));
  await send(fall(true)); // the room's radar sees a fall in the same room: its own alarm
  t.same(alarms.list().map((a) => a.key).sort(), ['fall:device-wear-loose', 'fall:resident-res-1', 'fall:resident-res-2', 'fall:room-7']);
  t.match(alarms.list().find((a) => a.key === 'fall:resident-res-1'), { residentId: 'res-1', deviceId: 'wear-1', reason: 'Fall detected by wearable wear-1 worn by res-1 (impact 3.4 g)' });
});
