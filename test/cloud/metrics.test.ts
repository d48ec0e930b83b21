/** Every metric the relay exposes on /metrics says what it counts (a HELP line that is not just its name). */
import t from 'tap';
import { CLOUD_METRICS, createMetrics } from '../../cloud/http/metrics.ts';
import { helpProblems } from '../support/prometheus-help.ts';
import { openHarness } from './app-harness.ts';

t.test('GET /metrics: every series has a HELP text, after traffic of each kind', async (t) => {
  const h = await openHarness();
  t.teardown(() => h.db.close());
  await h.ingest(undefined, { events: [] }); // 401: a rejection by status
  await h.get('/v1/no-such-resource'); // 404
  await h.ingest(h.a.hubToken, { hubId: h.a.hubId, events: [] }); // whatever the answer, it is counted
  const res = await h.get('/metrics');
  t.equal(res.status, 200);
  const text = await res.text();
  t.match(text, /^carehub_http_rejected_total\{status="401"\} 1$/m, 'labelled samples are there too');
  t.same(helpProblems(text), []);
  for (const name of Object.keys(CLOUD_METRICS)) t.match(text, new RegExp(`^# HELP ${name} \\S`, 'm'), `${name} has a HELP`);
});

t.test('a fresh registry already shows its counters with HELP', async (t) => {
  const text = await createMetrics().render();
  t.match(text, /^carehub_ingest_batches_total 0$/m);
  t.same(helpProblems(text), []);
});
