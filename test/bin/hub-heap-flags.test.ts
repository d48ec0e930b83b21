/**
 * bin/hub-entry.js applyHubHeapFlags: set at run time (Node 20 cannot re-execute itself with start-up
 * flags), V8 must still honour them: the young generation stays small under churn that
 * grows it to tens of MiB without them (docs/benchmarks.md#memory-hub-rss-with-1000-devices-npm-run-benchmemory).
 */
import { execFileSync } from 'node:child_process';
import t from 'tap';

const ENTRY = new URL('../../bin/hub-entry.js', import.meta.url).href;

/** new_space size (MiB) of a fresh node process after churning short-lived objects. */
function youngGenerationAfterChurn(applyFlags: boolean): number {
  const script = `
    const { getHeapSpaceStatistics } = await import('node:v8');
    ${applyFlags ? `(await import(${JSON.stringify(ENTRY)})).applyHubHeapFlags();` : ''}
    let kept = [];
    for (let i = 0; i < 3e6; i++) { kept.push({ i, s: 'x' + i }); if (kept.length > 5000) kept = []; }
    console.log(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return Number(out.trim()) / 2 ** 20;
}

t.test('the young generation stays small with the hub heap flags', async (t) => {
  const without = youngGenerationAfterChurn(false);
  const withFlags = youngGenerationAfterChurn(true);
  t.ok(without > 4, `without the flags V8 grows it (${without} MiB)`);
  // A few MiB: the import of bin/hub-entry.js itself churns before the flags are set.
  t.ok(withFlags <= 8, `with them it stays small (${withFlags} MiB)`);
});
