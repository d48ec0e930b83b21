/**
 * /openapi.json passes an independent linter: @redocly/cli lint with its recommended ruleset, no
 * errors and no warnings (servers, operationIds, licence, security on every operation, a 4XX on
 * every operation). Redocly runs offline on the document written to a temp file; where the
 * machine lets us (`unshare -n`), it runs with no network at all, so the test proves it needs none.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { pino } from 'pino';
import { createApp } from '../../cloud/app.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';

const REDOCLY = new URL('../../node_modules/@redocly/cli/bin/cli.js', import.meta.url).pathname;
/** No telemetry, no update check: both would reach for the network. */
const ENV = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };

const offline = spawnSync('unshare', ['-n', 'true']).status === 0;

function lint(file: string) {
  const args = [process.execPath, REDOCLY, 'lint', '--extends=recommended', '--format=json', file];
  const [cmd, ...rest] = offline ? ['unshare', '-n', ...args] : args;
  return spawnSync(cmd!, rest, { env: ENV, encoding: 'utf8', timeout: 60_000 });
}

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location?: Array<{ pointer?: string }>;
}

t.test(`redocly lint --extends=recommended passes with no problem${offline ? ' (no network)' : ''}`, async (t) => {
  const db = await openMigratedPglite();
  t.teardown(() => db.close());
  const app = createApp({ db, logger: pino({ level: 'silent' }) });
  const doc = await (await app.request('http://relay.example.org:8787/openapi.json')).json();
  const file = join(t.testdir(), 'openapi.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  const run = lint(file);
  const report = JSON.parse(run.stdout || '{"problems":[]}') as { problems: LintProblem[] };
  const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location?.[0]?.pointer ?? '?'}: ${p.message}`);
  t.same(problems, [], 'no errors and no warnings');
  t.equal(run.status, 0, run.stderr.slice(-500));

  // The linter does catch what we fixed: without servers and operationIds it complains.
  const bare = structuredClone(doc) as { servers?: unknown; paths: Record<string, Record<string, { operationId?: string }>> };
  delete bare.servers;
  for (const ops of Object.values(bare.paths)) for (const op of Object.values(ops)) delete op.operationId;
  writeFileSync(file, JSON.stringify(bare));
  const rules = new Set((JSON.parse(lint(file).stdout) as { problems: LintProblem[] }).problems.map((p) => p.ruleId));
  t.ok(rules.has('no-empty-servers'), 'missing servers is caught');
  t.ok(rules.has('operation-operationId'), 'missing operationIds are caught');
});
