/**
 * Several relay replicas (each its own pg pool and app) ingest overlapping batches of one hub at
 * the same moment on a real PostgreSQL server. Each batch must be stored once, answer 200, and
 * after the last answer the hub's ack must be the highest contiguous seq and the alarm's state the
 * one its latest transition says. The ingest transaction locks the hub row first (SELECT ... FOR
 * UPDATE in cloud/resources/ingest/repo.ts) so batches of one hub apply one at a time; without it
 * a batch's statements run on snapshots that miss a concurrent batch, leaving the ack or the
 * alarm state behind. Many rounds, each a new hub, make the interleaving likely.
 */
import t from 'tap';
import { pino } from 'pino';
import { createApp } from '../../cloud/main.ts';
import { runMigrations } from '../../cloud/store/migrate.ts';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import type { Database } from '../../cloud/store/database.ts';
import type { Event } from '../../protocols/event.ts';
import { requireForFile } from '../support/requirements.ts';
import { createScratchDatabase, findPostgres, POSTGRES_HINT } from '../support/postgres.ts';
import { alarm, alarmUpdate, provisionTenant, reading } from './fixtures.ts';

const REPLICAS = 4;
const ROUNDS = 25;
/** Events per hub and round: seq 1 raises an alarm, N-1 acknowledges it, N resolves it, the rest are readings. */
const N = 120;

const server = await findPostgres();
if (requireForFile('PostgreSQL server', 'url' in server, 'reason' in server ? `${server.reason}; ${POSTGRES_HINT}` : POSTGRES_HINT)) {
  const serverUrl = (server as { url: string }).url;

  t.test(`${REPLICAS} replicas ingest overlapping batches of one hub at once`, async (t) => {
    const url = await createScratchDatabase(t, serverUrl, 'ingest_race');
    const dbs: Database[] = Array.from({ length: REPLICAS }, () => createPostgresDatabase({ connectionString: url, max: 4 }));
    t.teardown(() => Promise.all(dbs.map((db) => db.close())));
    await runMigrations(dbs[0]!);
    const logger = pino({ level: 'silent' });
    const apps = dbs.map((db) => createApp({ db, logger }));

    const problems: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const tenant = await provisionTenant(dbs[0]!, `race-${round}`);
      const raised = alarm(tenant.hubId, 1);
      const events: Event[] = [raised];
      for (let seq = 2; seq <= N - 2; seq++) events.push(reading(tenant.hubId, seq));
      events.push(alarmUpdate(tenant.hubId, N - 1, raised.payload.alarmId, 'acknowledged'));
      events.push(alarmUpdate(tenant.hubId, N, raised.payload.alarmId, 'resolved'));
      // Overlapping slices (seq ranges 1-50, 31-80, 61-110, 91-N): every boundary is covered twice, and the raise,
      // the acknowledge and the resolve each travel through a different replica.
      const slices = [events.slice(0, 50), events.slice(30, 80), events.slice(60, 110), events.slice(90)];
      const bodies = slices.map((slice) => JSON.stringify({ hubId: tenant.hubId, events: slice }));
      // Warm every pool's connection so the requests start together.
      await Promise.all(dbs.map((db) => db.query('SELECT 1')));
      const responses = await Promise.all(
        bodies.map((body, i) =>
          apps[i % REPLICAS]!.request('/v1/ingest', {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.hubToken}` },
            body,
          }),
        ),
      );
      const texts = await Promise.all(responses.map((r) => r.text()));
      const statuses = responses.map((r) => r.status);
      if (statuses.some((s) => s !== 200)) problems.push(`round ${round}: statuses ${statuses} ${texts.filter((_, i) => statuses[i] !== 200).join(' ')}`);
      const acks = texts.flatMap((text, i) => (statuses[i] === 200 ? [JSON.parse(text) as { ackedSeq: number; stored: number; duplicates: number }] : []));
      const storedTotal = acks.reduce((n, a) => n + a.stored, 0);
      if (acks.length === slices.length && storedTotal !== N) problems.push(`round ${round}: answers say ${storedTotal} stored, not ${N}`);
      const best = Math.max(0, ...acks.map((a) => a.ackedSeq));
      if (acks.length === slices.length && best !== N) problems.push(`round ${round}: the highest ack answered is ${best}, not ${N}`);

      const { rows } = await dbs[0]!.query<{ events: number; acked: string; state: string; acked_at: Date | null; resolved_at: Date | null }>(
        `SELECT (SELECT count(*)::int FROM events WHERE hub_id = $1) AS events,
                (SELECT acked_seq FROM hubs WHERE id = $1) AS acked,
                a.state, a.acknowledged_at AS acked_at, a.resolved_at
         FROM alarms a WHERE a.id = $2`,
        [tenant.hubId, raised.payload.alarmId],
      );
      const row = rows[0];
      if (row === undefined) {
        problems.push(`round ${round}: the alarm was not stored`);
        continue;
      }
      if (row.events !== N) problems.push(`round ${round}: ${row.events} events stored, not ${N}`);
      if (Number(row.acked) !== N) problems.push(`round ${round}: hubs.acked_seq is ${row.acked}, not ${N}`);
      if (row.state !== 'resolved' || row.acked_at === null || row.resolved_at === null) {
        problems.push(`round ${round}: alarm is ${row.state} (acknowledged_at ${row.acked_at}, resolved_at ${row.resolved_at}), not resolved`);
      }
    }
    t.same(problems, [], `${ROUNDS} rounds: every batch 200, stored once, acked through ${N}, alarm resolved`);
  });
}
