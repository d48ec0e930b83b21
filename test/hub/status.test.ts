/** hub/status.ts: the status snapshot from its parts (ages, totals, time to empty, no relay). */
import t from 'tap';
import { collectStatus, type StatusSources } from '../../hub/status.ts';

const NOW = Date.parse('2026-11-25T03:00:00.000Z');
const sources = (over: Partial<StatusSources> = {}): StatusSources => ({
  hubId: 'hub-1',
  now: () => NOW,
  lanes: () => ({ critical: { depth: 2, oldestHubTime: '2026-11-25T02:59:00.000Z' }, telemetry: { depth: 98, oldestHubTime: '2026-11-25T01:00:00.000Z' } }),
  bytes: () => ({ total: 1500, lanes: { critical: 500, telemetry: 1000 } }),
  limits: { budgetBytes: 10_000, reserveBytes: 1000, ceiling: 9000 },
  shed: () => ({ thinned: { reading: 60 }, dropped: {}, summaries: 1, last: null }),
  ...over,
});

t.test('depth and age per lane and in total, bytes against the budget', async (t) => {
  const s = collectStatus(sources({ link: () => ({ state: 'up', lastError: null, lastSuccessAt: '2026-11-25T02:59:59.000Z', drainRatePerS: 25, ackMode: 'ranges' }) as never }));
  t.equal(s.at, '2026-11-25T03:00:00.000Z');
  t.same(s.outbox.lanes.critical, { depth: 2, oldestHubTime: '2026-11-25T02:59:00.000Z', oldestAgeS: 60, bytes: 500 });
  t.same(s.outbox.lanes.telemetry, { depth: 98, oldestHubTime: '2026-11-25T01:00:00.000Z', oldestAgeS: 7200, bytes: 1000 });
  t.equal(s.outbox.depth, 100);
  t.equal(s.outbox.oldestAgeS, 7200, 'the older of the two lanes');
  t.equal(s.outbox.drainRatePerS, 25);
  t.equal(s.outbox.etaS, 4, '100 events at 25/s');
  t.same(s.outbox.bytes, { used: 1500, budget: 10_000, reserve: 1000, ceiling: 9000, usedPercent: 15 });
  t.equal((s.link as { ackMode?: string }).ackMode, 'ranges', "the forwarder's other fields pass through");
  t.same(s.shedding.thinned, { reading: 60 });
});

t.test('nothing draining: no time to empty; nothing waiting: empty now; no relay: link off', async (t) => {
  const stalled = collectStatus(sources({ link: () => ({ state: 'down', lastError: { reason: 'network', message: 'refused', at: '2026-11-25T02:00:00.000Z' }, lastSuccessAt: null, drainRatePerS: 0 }) }));
  t.equal(stalled.outbox.etaS, null);
  t.equal(stalled.link.lastError?.reason, 'network');
  const empty = collectStatus(sources({ lanes: () => ({ critical: { depth: 0, oldestHubTime: null }, telemetry: { depth: 0, oldestHubTime: null } }) }));
  t.equal(empty.outbox.etaS, 0);
  t.equal(empty.outbox.oldestAgeS, null);
  t.same(empty.link, { state: 'off', lastError: null, lastSuccessAt: null, drainRatePerS: 0 });
});

t.test('a hub clock behind the oldest event gives age 0, not a negative one', async (t) => {
  const s = collectStatus(sources({ lanes: () => ({ critical: { depth: 1, oldestHubTime: '2026-11-25T04:00:00.000Z' } }) }));
  t.equal(s.outbox.lanes.critical!.oldestAgeS, 0);
});
