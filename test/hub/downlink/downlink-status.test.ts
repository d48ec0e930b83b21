/** The downlink in `npx hub status` (docs/downlink.md#status): in force, refused with reasons, pull and disk failures. */
import t from 'tap';
import { collectStatus, type StatusSources } from '../../../hub/status.ts';
import { formatStatus, type StatusAnswer } from '../../../hub/tools/status-command.ts';

/** As the command reads it: JSON over the loopback route. */
const overTheWire = (status: unknown) => JSON.parse(JSON.stringify(status)) as StatusAnswer;

const sources: StatusSources = {
  hubId: 'hub-1',
  now: () => Date.parse('2026-11-25T03:00:00.000Z'),
  lanes: () => ({}),
  bytes: () => ({ total: 0, lanes: {} }),
  limits: { budgetBytes: 10_000, reserveBytes: 1000, ceiling: 9000 },
  shed: () => ({ thinned: {}, dropped: {}, summaries: 0, last: null }),
};

const refused = {
  pulling: true,
  version: 3,
  source: 'relay',
  appliedAt: '2026-11-25T02:00:00.000Z',
  lastContactAt: '2026-11-25T02:59:00.000Z',
  lastError: null,
  refused: {
    version: 4,
    at: '2026-11-25T02:30:00.000Z',
    errors: [
      { path: 'devices.0.id', message: 'unknown device "a"' },
      { path: 'devices.1.id', message: 'unknown device "b"' },
      { path: 'devices.2.roomId', message: 'unknown room "r"' },
      { path: 'residents.0.thresholds.spo2', message: 'below (95) must be less than above (90)' },
    ],
  },
  diskError: null,
};

t.test('the snapshot carries the downlink state as the hub reports it', async (t) => {
  const status = collectStatus({ ...sources, downlink: () => refused });
  t.same(status.downlink, refused);
  t.notOk('downlink' in collectStatus(sources), 'absent when the hub gives none');
});

t.test('the printed lines name the version in force and a refusal with its first reasons', async (t) => {
  const lines = formatStatus(overTheWire(collectStatus({ ...sources, downlink: () => refused })));
  t.ok(lines.includes('downlink    version 3 (from relay, applied 2026-11-25T02:00:00.000Z)'), lines.join('\n'));
  t.ok(
    lines.includes('  refused   version 4 at 2026-11-25T02:30:00.000Z: devices.0.id: unknown device "a"; devices.1.id: unknown device "b"; devices.2.roomId: unknown room "r"; and 1 more'),
    lines.join('\n'),
  );

  const offline = { ...refused, version: null, source: 'config', refused: null, lastError: 'network: relay unreachable: fetch failed', diskError: 'last good copy unreadable: not JSON' };
  const offlineLines = formatStatus(overTheWire(collectStatus({ ...sources, downlink: () => offline })));
  t.ok(offlineLines.includes('downlink    config file only; pull failing: network: relay unreachable: fetch failed'), offlineLines.join('\n'));
  t.ok(offlineLines.includes('  disk      last good copy unreadable: not JSON'));
  t.notOk(offlineLines.some((l) => l.startsWith('  refused')));
});
