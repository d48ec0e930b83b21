/**
 * Hub clock skew (docs/relay-pressure.md#clock-skew): measured from the hub's X-Hub-Time against
 * the relay's receive time, never from an event's hubTime; kept per hub in /metrics and the hubs
 * table; a bad header is counted and the batch stored all the same.
 */
import t from 'tap';
import { createApp } from '../../cloud/main.ts';
import { hubClock } from '../../cloud/store/hub-clock.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { countEvents, provisionTenant, reading } from './fixtures.ts';

const BOUND_MS = 120_000;

/** One database for the file (PGlite costs a second and 300 MB per copy); each test has its own hubs. */
const db = await openMigratedPglite();
t.teardown(() => db.close());
let rigs = 0;

async function rig() {
  rigs += 1;
  const a = await provisionTenant(db, `clock-a${rigs}`);
  const b = await provisionTenant(db, `clock-b${rigs}`);
  let relayNow = Date.parse('2026-11-25T03:00:00.000Z');
  const { logger, records } = createTestLogger('info');
  const app = createApp({ db, logger, now: () => new Date(relayNow), clockSkewBoundMs: BOUND_MS });
  let seq = 0;
  async function send(tenant: typeof a, hubTime: string | undefined, events = 1) {
    const batch = Array.from({ length: events }, () => reading(tenant.hubId, ++seq));
    const res = await app.request('/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.hubToken}`, ...(hubTime !== undefined && { 'x-hub-time': hubTime }) },
      body: JSON.stringify({ hubId: tenant.hubId, events: batch }),
    });
    return res.status;
  }
  const metrics = async () => (await app.request('/metrics')).text();
  /** A batch the relay refuses (400: no events) from a hub that authenticated. */
  async function sendInvalid(tenant: typeof a, hubTime: string) {
    const res = await app.request('/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.hubToken}`, 'x-hub-time': hubTime },
      body: JSON.stringify({ hubId: tenant.hubId, events: 'none' }),
    });
    return res.status;
  }
  const record = async (tenant: typeof a) => (await app.request(`/v1/hubs/${tenant.hubId}`, { headers: { authorization: `Bearer ${tenant.apiKey}` } })).json();
  return { a, b, send, sendInvalid, metrics, record, records, at: (ms: number) => new Date(relayNow + ms).toISOString(), advance: (ms: number) => (relayNow += ms) };
}

t.test('a hub behind the bound is flagged in /metrics and its record; one within it is not', async (t) => {
  const { a, b, send, metrics, record, at, records } = await rig();
  t.match(await record(a), { id: a.hubId, clock: { skewMs: null, checkedAt: null, skewed: false } }, 'not measured yet');
  t.equal(await send(a, at(-5 * 60_000)), 200, 'hub a: its clock 5 min behind');
  t.equal(await send(b, at(3_000)), 200, 'hub b: 3 s ahead');
  const text = await metrics();
  t.match(text, new RegExp(`^carehub_hub_clock_skew_seconds\\{hub="${a.hubId}"\\} 300$`, 'm'), 'positive: the hub is behind');
  t.match(text, new RegExp(`^carehub_hub_clock_skew_seconds\\{hub="${b.hubId}"\\} -3$`, 'm'));
  t.match(text, /^carehub_hubs_clock_skewed 1$/m);
  t.match(text, /^# HELP carehub_hub_clock_skew_seconds \S/m);
  t.match(await hubClock(db, a.orgId, a.hubId), { skewMs: 300_000, skewed: true, checkedAt: new Date(at(0)) });
  t.match(await hubClock(db, b.orgId, b.hubId), { skewMs: -3_000, skewed: false });
  t.equal(await hubClock(db, b.orgId, a.hubId), undefined, 'another organisation does not see the hub');
  t.match(await record(a), { id: a.hubId, clock: { skewMs: 300_000, checkedAt: at(0), skewed: true } }, 'GET /v1/hubs/{id} shows it');
  t.match(await record(b), { clock: { skewMs: -3_000, skewed: false } });
  t.ok(records.some((r) => r.msg === 'hub clock is off beyond the bound' && r.hubId === a.hubId), 'logged when it starts');
});

t.test('a backlog drained after an outage has old hubTimes, but a right clock is not flagged', async (t) => {
  const { a, send, metrics, at } = await rig();
  // fixtures' readings carry hubTimes in March 2026, months before the relay's "now"
  t.equal(await send(a, at(0), 20), 200);
  t.match(await metrics(), /^carehub_hubs_clock_skewed 0$/m);
  t.match(await hubClock(db, a.orgId, a.hubId), { skewMs: 0, skewed: false });
});

t.test('without X-Hub-Time nothing is measured; a bad one is counted and logged, and the batch stored anyway', async (t) => {
  const { a, send, sendInvalid, metrics, records, at } = await rig();
  t.equal(await send(a, undefined), 200);
  t.match(await hubClock(db, a.orgId, a.hubId), { skewMs: null, checkedAt: null, skewed: false });
  t.equal(await sendInvalid(a, at(-3_600_000)), 400);
  t.match(await hubClock(db, a.orgId, a.hubId), { skewMs: null }, 'a refused batch measures nothing');
  t.equal(await send(a, 'yesterday'), 200, 'the batch is not refused for its header');
  t.equal(await send(a, '2026-13-45T99:00:00Z'), 200);
  t.equal(await countEvents(db, a.hubId), 3, 'every batch stored');
  t.match(await metrics(), /^carehub_hub_time_rejected_total 2$/m);
  t.equal(records.filter((r) => r.msg?.startsWith('X-Hub-Time is not an ISO 8601 time')).length, 1, 'warned once per hub, then only counted');
  t.match(await hubClock(db, a.orgId, a.hubId), { skewMs: null });
});

t.test('the record is rewritten at most once a minute per hub, unless the flag changes', async (t) => {
  const { a, send, at, advance } = await rig();
  await send(a, at(-1_000));
  advance(10_000);
  await send(a, at(-2_000));
  t.match(await hubClock(db, a.orgId, a.hubId), { skewMs: 1_000 }, 'a draining hub adds no write per batch');
  advance(10_000);
  await send(a, at(-200_000));
  t.match(await hubClock(db, a.orgId, a.hubId), { skewMs: 200_000, skewed: true }, 'crossing the bound is written at once');
  advance(60_000);
  await send(a, at(-150_000));
  t.match(await hubClock(db, a.orgId, a.hubId), { skewMs: 150_000, skewed: true }, 'a minute later: written again');
});
