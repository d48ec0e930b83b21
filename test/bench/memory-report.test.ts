/** bench/memory-report.ts: medians over windows, peak, growth over the second half, the goal lines. */
import t from 'tap';
import { figuresLine, memoryFigures, verdictLines, type RssSample } from '../../bench/memory-report.ts';

/** One sample a second for `seconds`, RSS from `rss(atSeconds)`. */
const series = (seconds: number, rss: (s: number) => number): RssSample[] => Array.from({ length: seconds + 1 }, (_, s) => ({ atMs: s * 1000, rssMiB: rss(s) }));

t.test('growth compares the median of the last window with the window ending at half the soak', async (t) => {
  // 600 s soak, 30 s windows: 80 MiB until 300 s, then a climb to 84 MiB at the end.
  const soak = series(600, (s) => (s <= 300 ? 80 : 80 + ((s - 300) / 300) * 4));
  const f = memoryFigures([{ atMs: 0, rssMiB: 50 }, { atMs: 0, rssMiB: 52 }, { atMs: 0, rssMiB: 90 }], soak, 600_000);
  t.equal(f.idle, 52, 'idle is the median of the idle samples');
  t.equal(f.connected, 80);
  t.equal(f.half, 80);
  t.equal(f.peak, 84);
  t.equal(f.end, 80 + (585 - 300) / 300 * 4, 'median of 570..600 s');
  t.ok(Math.abs(f.growthPercent - ((f.end - 80) / 80) * 100) < 1e-9);
});

t.test('one spike in a window moves neither half nor end, but is the peak', async (t) => {
  const soak = series(600, (s) => (s === 299 || s === 599 ? 140 : 80));
  const f = memoryFigures([{ atMs: 0, rssMiB: 50 }], soak, 600_000);
  t.equal(f.half, 80);
  t.equal(f.end, 80);
  t.equal(f.growthPercent, 0);
  t.equal(f.peak, 140);
});

t.test('a short soak uses windows of at least 3 s', async (t) => {
  const soak = series(20, (s) => 60 + s);
  const f = memoryFigures([{ atMs: 0, rssMiB: 50 }], soak, 20_000);
  t.equal(f.half, 68.5, 'median of 7..10 s');
  t.equal(f.end, 78.5, 'median of 17..20 s');
});

t.test('goal lines: met and not met', async (t) => {
  const base = { idle: 50, connected: 70, half: 70, end: 71, peak: 75, growthPercent: 1.4 };
  const hubOk = { ...base, idle: 70, peak: 95, growthPercent: 4.9 };
  t.match(verdictLines(hubOk, base).join('\n'), /goal hub peak ≤ 100 MiB: met \(95\.0 MiB\)\ngoal hub growth over 2nd half < 5%: met \(4\.9%\)/);
  const hubBad = { ...base, peak: 100.1, growthPercent: 5 };
  t.match(verdictLines(hubBad, base).join('\n'), /peak ≤ 100 MiB: NOT met[\s\S]*< 5%: NOT met/);
  t.match(verdictLines(hubOk, base)[0], /idle \+20\.0 MiB, peak \+20\.0 MiB; hub\/aedes peak ×1\.27/);
  t.match(figuresLine('hub', hubOk), /^hub +idle +70\.0 MiB +connected +70\.0 MiB +peak +95\.0 MiB .* growth over 2nd half \+4\.9%$/);
});
