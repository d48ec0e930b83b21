/** Every metric the hub exposes on /metrics says what it counts (a HELP line that is not just its name). */
import t from 'tap';
import { createHub } from '../../hub/main.ts';
import { createMetrics, HUB_COUNTERS, MetricsError, type HubCounter } from '../../hub/metrics.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { helpProblems } from '../support/prometheus-help.ts';
import { hubConfig } from './support.ts';

t.test('every counter in HUB_COUNTERS renders with its HELP, incremented or not', async (t) => {
  const metrics = createMetrics();
  metrics.inc('inputs_total', { kind: 'reading', via: 'mqtt' });
  const text = metrics.render();
  t.same(helpProblems(text), []);
  for (const [name, help] of Object.entries(HUB_COUNTERS)) {
    t.ok(text.includes(`# HELP carehub_hub_${name} ${help}\n`), `${name} has its HELP`);
  }
  t.match(text, /^carehub_hub_inputs_total\{kind="reading",via="mqtt"\} 1$/m);
});

t.test('define() refuses a metric without a HELP text', async (t) => {
  const metrics = createMetrics();
  t.throws(() => metrics.define('mystery_total', 'counter', ''), MetricsError);
  t.throws(() => metrics.define('mystery', 'gauge', '  '), MetricsError);
  t.notMatch(metrics.render(), /mystery/, 'nothing was registered');
});

t.test('an undeclared counter name (past the type check) makes no help-less series and is counted', async (t) => {
  const metrics = createMetrics();
  metrics.inc('no_such_total' as HubCounter);
  const text = metrics.render();
  t.notMatch(text, /no_such_total \d/);
  t.match(text, /^carehub_hub_metrics_undeclared_total\{name="no_such_total"\} 1$/m);
  t.same(helpProblems(text), []);
});

t.test('a running hub exposes no metric without a HELP text', async (t) => {
  const hub = createHub(hubConfig({ dataDir: t.testdir(), relay: { url: 'http://127.0.0.1:9/', token: 'x'.repeat(32) } }), {
    logger: createTestLogger('silent').logger,
  });
  await hub.start();
  t.teardown(() => hub.stop());
  const text = hub.metrics.render();
  t.ok((text.match(/^# HELP /gm) ?? []).length >= 15, 'the hub exposes its metrics');
  t.same(helpProblems(text), []);
});

t.test('the HELP checker itself finds a series without HELP and a HELP that repeats the name', async (t) => {
  t.same(helpProblems('# TYPE x_total counter\nx_total 1\n'), ['x_total: no HELP line']);
  t.same(helpProblems('# HELP carehub_hub_y_total y_total\n# TYPE carehub_hub_y_total counter\n'), ['carehub_hub_y_total: HELP says nothing ("y_total")']);
  t.same(helpProblems('orphan{a="1"} 2\n'), ['orphan: no HELP line']);
});
