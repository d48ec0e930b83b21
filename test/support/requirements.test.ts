/** A missing tool is a named skip on a user's machine and a failure under CI=true (docs/testing.md). */
import t from 'tap';
import { spawnSync } from 'node:child_process';

const fixture = new URL('./fixtures/requirement-fixture.ts', import.meta.url).pathname;

function run(mode: 'test' | 'file', ci: boolean) {
  const env = { ...process.env };
  delete env.CI;
  delete env.TAP; // let the fixture print plain TAP of its own
  for (const key of Object.keys(env)) if (key.startsWith('TAP_')) delete env[key];
  if (ci) env.CI = 'true';
  const out = spawnSync(process.execPath, ['--import', 'tsx', fixture, mode], { env, encoding: 'utf8', timeout: 60_000 });
  return { status: out.status, output: `${out.stdout}\n${out.stderr}` };
}

for (const mode of ['test', 'file'] as const) {
  t.test(`${mode}: without CI a missing tool is a skip that names it`, async (t) => {
    const { status, output } = run(mode, false);
    t.equal(status, 0, 'exits 0', { output });
    // A skipped test reads `# SKIP reason`; a skipped file reads `1..0 # reason`.
    t.match(output, /(# SKIP|1\.\.0 #) fake-tool is missing \(Debian: apt-get install fake-tool\)/);
    t.notMatch(output, /the body ran/);
  });

  t.test(`${mode}: under CI=true a missing tool fails the run and says what is missing`, async (t) => {
    const { status, output } = run(mode, true);
    t.not(status, 0, 'exits non-zero', { output });
    t.match(output, /not ok \d+ - CI=true refuses to skip: fake-tool is missing \(Debian: apt-get install fake-tool\)/);
    t.notMatch(output, /the body ran/);
  });
}
