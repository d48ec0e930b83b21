/**
 * The hub config's `alarms` section (docs/configuration.md): defaults, errors with their path, and
 * the composition root (hub/main.ts) handing it to the alarm service.
 */
import t from 'tap';
import { HubConfig } from '../../../hub/config.ts';
import { createHub } from '../../../hub/main.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { createTestLogger } from '../../fakes/test-logger.ts';
import { hubConfig } from '../support.ts';
import { raise, T0 } from './rig.ts';

t.test('absent: the defaults', async (t) => {
  t.same(hubConfig().alarms, { escalateAfterS: { high: 60, medium: 180, low: 600, technical: 1800 }, returnAfterS: 180, tiers: ['room', 'all-panels', 'on-call'] });
});

t.test('bad values are reported under alarms.*', async (t) => {
  const r = HubConfig.safeParse({ hubId: 'h', alarms: { escalateAfterS: { high: -1 }, returnAfterS: 'soon', tiers: ['pager'] } });
  t.same(r.error?.issues.map((i) => i.path.join('.')).sort(), ['alarms.escalateAfterS.high', 'alarms.returnAfterS', 'alarms.tiers.0']);
});

t.test('createHub gives the alarm service the configured times', async (t) => {
  const clock = new FakeClock(T0);
  const store = createMemoryStore();
  const hub = createHub(hubConfig({ alarms: { escalateAfterS: { high: 7 } } }), { clock, store, logger: createTestLogger('silent').logger });
  await store.open();
  await hub.log.start();
  await hub.alarms.start();
  t.teardown(() => hub.alarms.stop());
  await hub.alarms.apply(raise('k'), 'r');
  t.equal(hub.alarms.nextWakeAt, T0 + 7000, 'due after the configured 7 s, not the default 60 s');
});
