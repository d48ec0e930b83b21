/**
 * storedRanges (cloud/resources/ingest/service.ts): the relay's answer to a hub
 * whose lanes interleave names exactly the seqs of the batch held under the
 * batch's event ids, and only when asked (docs/store-and-forward.md#the-ack).
 */
import t from 'tap';
import { createIngestService } from '../../cloud/resources/ingest/service.ts';
import { toSeqRanges } from '../../protocols/wire.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { alarm, batch, provisionTenant, reading } from './fixtures.ts';

const db = await openMigratedPglite();
t.teardown(() => db.close());
const NOW = new Date('2026-11-25T03:00:00.000Z');
const service = createIngestService({ db, now: () => NOW });

t.test('toSeqRanges: sorted runs, repeats folded', async (t) => {
  t.same(toSeqRanges([]), []);
  t.same(toSeqRanges([9, 1, 2, 3, 7, 10, 2]), [[1, 3], [7, 7], [9, 10]]);
});

t.test('critical seqs ahead of the contiguous ack, then telemetry filling the gap', async (t) => {
  const tn = await provisionTenant(db, 'ranges1');
  const hub = { hubId: tn.hubId, orgId: tn.orgId };
  const ahead = await service.ingest(hub, batch(tn.hubId, [alarm(tn.hubId, 5), alarm(tn.hubId, 9)]), { ranges: true });
  t.same([ahead.ackedSeq, ahead.storedRanges], [0, [[5, 5], [9, 9]]], 'the alarms are stored though seq 1 is not: ranges say so, the contiguous ack cannot');
  const fill = await service.ingest(hub, batch(tn.hubId, [1, 2, 3, 4, 6, 7, 8].map((s) => reading(tn.hubId, s))), { ranges: true });
  t.same([fill.ackedSeq, fill.storedRanges], [9, [[1, 4], [6, 8]]], 'the seqs of this batch only; the ack jumps over the alarms');
  const plain = await service.ingest(hub, batch(tn.hubId, [reading(tn.hubId, 10)]));
  t.notOk('storedRanges' in plain, 'not asked, not answered: a hub from before ranges reads the answer with its strict schema');
});

t.test('a replay is named as stored; a seq held by another event is not', async (t) => {
  const tn = await provisionTenant(db, 'ranges2');
  const hub = { hubId: tn.hubId, orgId: tn.orgId };
  const events = [1, 2, 3].map((s) => reading(tn.hubId, s));
  await service.ingest(hub, batch(tn.hubId, events), { ranges: true });
  const again = await service.ingest(hub, batch(tn.hubId, [...events, reading(tn.hubId, 4)]), { ranges: true });
  t.same([again.stored, again.duplicates, again.storedRanges], [1, 3, [[1, 4]]], 'a retry after a lost answer: the hub may delete all four');
  // The same id under a new seq: ON CONFLICT skips it, and seq 5 is stored by nobody.
  const moved = { ...events[0]!, seq: 5 };
  const odd = await service.ingest(hub, batch(tn.hubId, [moved, reading(tn.hubId, 6)]), { ranges: true });
  t.same(odd.storedRanges, [[6, 6]], 'seq 5 is not claimed, so the hub keeps it and says so');
});
