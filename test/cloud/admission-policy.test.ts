/** The relay's ingest admission decisions (docs/relay-pressure.md), on a fake clock. */
import t from 'tap';
import { AdmissionPolicy, type Admitted, type Queued, type Refused } from '../../cloud/http/admission-policy.ts';
import { AdmissionConfig } from '../../cloud/config.ts';

/** No waiting room unless a test asks for one, so a full replica answers 503 at once. */
function policy(limits: Partial<AdmissionConfig>, random = () => 0) {
  let now = 1_000_000;
  const p = new AdmissionPolicy(AdmissionConfig.parse({ queueMax: 0, ...limits }), () => now, random);
  return { p, advance: (ms: number) => (now += ms) };
}

function admitted(v: Admitted | Refused | Queued): () => void {
  if (v.admitted !== true) throw new Error(`expected admission, got ${v.admitted === 'queued' ? 'queued' : `${v.status} ${v.reason}`}`);
  return v.release;
}

t.test('defaults: 20 in flight and 20 waiting up to 1 s, 2 per hub, no per-hub rate, a 2 s slow-store mark, Retry-After spread up to 5 s', async (t) => {
  t.same(AdmissionConfig.parse({}), {
    maxInFlight: 20,
    slowStoreMs: 2_000,
    queueMax: 20,
    queueWaitMs: 1_000,
    hubMaxInFlight: 2,
    hubBatchesPerSecond: 0,
    hubBurst: 10,
    retryAfterMaxSeconds: 5,
  });
});

t.test('a full replica queues up to queueMax requests; a freed slot goes to the oldest at once', async (t) => {
  const { p } = policy({ maxInFlight: 1, queueMax: 2 });
  const first = admitted(p.enter());
  const a = p.enter();
  const b = p.enter();
  if (a.admitted !== 'queued' || b.admitted !== 'queued') throw new Error('expected both queued');
  t.equal(p.queued, 2);
  t.match(p.enter(), { admitted: false, status: 503, reason: 'in-flight' }, 'beyond queueMax: 503 at once');
  let aIn = false;
  void a.ticket.then(() => (aIn = true));
  first();
  const fromA = await a.ticket;
  t.ok(aIn, 'the oldest got the slot');
  t.equal(p.inFlight, 1, 'handed on, not freed: nobody can take it in between');
  t.equal(p.queued, 1);
  t.match(b.giveUp(), { admitted: false, status: 503, reason: 'in-flight', retryAfterSeconds: 1 }, 'a waiter that gives up gets the 503');
  t.equal(p.queued, 0);
  fromA.release();
  t.equal(p.inFlight, 0, 'a given-up waiter takes no slot');
});

t.test('giving up just after a slot was handed on keeps the slot', async (t) => {
  const { p } = policy({ maxInFlight: 1, queueMax: 1 });
  const first = admitted(p.enter());
  const q = p.enter();
  if (q.admitted !== 'queued') throw new Error('expected queued');
  first();
  t.equal(q.giveUp(), null, 'too late to give up: the slot is this request\'s');
  (await q.ticket).release();
  t.equal(p.inFlight, 0);
});

t.test('beyond maxInFlight the replica answers 503; a release makes room again', async (t) => {
  const { p } = policy({ maxInFlight: 2 });
  const a = admitted(p.enter());
  admitted(p.enter());
  t.equal(p.inFlight, 2);
  t.match(p.enter(), { admitted: false, status: 503, reason: 'in-flight', retryAfterSeconds: 1 });
  a();
  a(); // a second release of one ticket changes nothing
  t.equal(p.inFlight, 1);
  t.ok(p.enter().admitted);
});

t.test('the 503 Retry-After is spread by the backlog: over as many seconds as the replica needs for the hubs it turned away', async (t) => {
  let draw = 0.99;
  const { p, advance } = policy({ maxInFlight: 1, retryAfterMaxSeconds: 4 }, () => draw);
  const retryAfter = () => {
    const v = p.enter();
    if (v.admitted) throw new Error('expected a 503');
    return v.retryAfterSeconds;
  };
  // This second the replica finished 3 requests.
  for (let i = 0; i < 3; i++) admitted(p.enter())();
  const held = admitted(p.enter());
  t.same([retryAfter(), retryAfter(), retryAfter()], [1, 1, 1], 'as many turned away as it finishes in a second: all back in 1 s');
  t.equal(retryAfter(), 2, 'a fourth: spread over 2 s (random 0.99 → the last second)');
  for (let i = 0; i < 20; i++) retryAfter();
  t.equal(retryAfter(), 4, 'far beyond: spread over at most retryAfterMaxSeconds');
  draw = 0;
  t.equal(retryAfter(), 1, 'the spread starts at 1 s (random 0)');
  advance(2_000); // two quiet seconds later the counts are gone
  draw = 0.99;
  t.equal(retryAfter(), 1);
  held();
});

t.test('a slow store quarters the limit until requests are fast again', async (t) => {
  const { p, advance } = policy({ maxInFlight: 8, slowStoreMs: 1_000 });
  const release = admitted(p.enter());
  advance(5_000);
  release(); // one 5 s request: the average is 5 s
  t.equal(p.storeLatencyMs, 5_000);
  t.ok(p.slow);
  const held = [admitted(p.enter()), admitted(p.enter())];
  t.match(p.enter(), { admitted: false, status: 503, reason: 'slow-store' }, '8 / 4 = 2 in flight while slow');
  // Admitted requests keep measuring, so the limit comes back by itself once the store is fast.
  for (const r of held) r();
  for (let i = 0; i < 40 && p.slow; i++) {
    const r = admitted(p.enter());
    advance(10);
    r();
  }
  t.notOk(p.slow, 'fast requests bring the average under the mark');
  const all = Array.from({ length: 8 }, () => admitted(p.enter()));
  t.equal(all.length, 8, 'the full limit again');
});

t.test('one hub: at most hubMaxInFlight at once (429), others unaffected', async (t) => {
  const { p } = policy({ hubMaxInFlight: 1 });
  const r = admitted(p.enterHub('h1'));
  t.match(p.enterHub('h1'), { admitted: false, status: 429, reason: 'hub-in-flight', retryAfterSeconds: 1 });
  t.ok(p.enterHub('h2').admitted, 'another hub is not held back');
  r();
  t.ok(p.enterHub('h1').admitted);
});

t.test('per-hub token bucket: a burst, then the rate; Retry-After is when the next token is there', async (t) => {
  const { p, advance } = policy({ hubBatchesPerSecond: 0.5, hubBurst: 2, hubMaxInFlight: 100 });
  admitted(p.enterHub('h1'))();
  admitted(p.enterHub('h1'))();
  t.match(p.enterHub('h1'), { admitted: false, status: 429, reason: 'hub-rate', retryAfterSeconds: 2 }, 'one token per 2 s');
  advance(1_500);
  t.match(p.enterHub('h1'), { admitted: false, reason: 'hub-rate', retryAfterSeconds: 1 }, '0.75 of a token: 0.5 s more, said as 1 s');
  advance(500);
  t.ok(p.enterHub('h1').admitted, 'a whole token after 2 s');
  t.ok(p.enterHub('h2').admitted, 'each hub has its own bucket');
});

t.test('no rate limit by default: a hub draining a backlog goes as fast as it is answered', async (t) => {
  const { p } = policy({});
  for (let i = 0; i < 1_000; i++) admitted(p.enterHub('h1'))();
  t.pass('1,000 batches in the same millisecond, all admitted');
});

t.test('idle hubs are forgotten, but not while they have a request in flight or a bucket still filling', async (t) => {
  const { p, advance } = policy({ hubBatchesPerSecond: 0.01, hubBurst: 1, hubMaxInFlight: 1 });
  admitted(p.enterHub('idle'))();
  const busy = admitted(p.enterHub('busy'));
  t.equal(p.trackedHubs, 2);
  advance(61_000);
  p.enterHub('other');
  t.equal(p.trackedHubs, 3, 'the idle hub\'s bucket needs 100 s to fill: kept');
  advance(60_000); // the next sweep: at most one a minute
  p.enterHub('other');
  t.equal(p.trackedHubs, 2, 'forgotten once its bucket would be full anyway');
  t.match(p.enterHub('busy'), { admitted: false, reason: 'hub-in-flight' }, 'the hub with a request in flight is still known');
  busy();
});
