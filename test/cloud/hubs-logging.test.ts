/**
 * Claim codes and hub credentials never reach the relay's log (promise 5, docs/architecture.md#promises;
 * docs/provisioning.md#claim-codes): every refusal is logged with its reason, never with the code.
 */
import { Writable } from 'node:stream';
import t from 'tap';
import { createApp } from '../../cloud/main.ts';
import { createLogger } from '../../cloud/logger.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { addOrg } from './hubs-support.ts';

t.test('codes and tokens are not in the log; refusals are, with their reason', async (t) => {
  const db = await openMigratedPglite();
  t.teardown(() => db.close());
  const org = await addOrg(db, 'log');
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = createApp({ db, logger: createLogger('debug', sink) });
  const call = async (method: string, path: string, token: string | undefined, body: unknown) =>
    (await app.request(path, { method, headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body) })).json() as Promise<any>;

  const created = await call('POST', '/v1/hubs', org.operatorKey, { id: 'hub-log' });
  await call('POST', '/v1/hubs/claim', undefined, { code: created.claimCode, hubId: 'hub-wrong', logSeq: 0 });
  const claimed = await call('POST', '/v1/hubs/claim', undefined, { code: created.claimCode.toLowerCase(), hubId: 'hub-log', logSeq: 0 });
  await call('POST', '/v1/hubs/claim', undefined, { code: created.claimCode, hubId: 'hub-log', logSeq: 0 });
  const rotated = await call('POST', '/v1/hubs/hub-log/rotate', org.operatorKey, {});

  const log = lines.join('\n');
  const secrets = [created.claimCode, created.claimCode.replace(/-/g, ''), created.claimCode.toLowerCase(), claimed.token, rotated.token];
  for (const secret of secrets) t.notOk(log.toUpperCase().includes(String(secret).toUpperCase()), 'a code or token is not in the log');
  const refusals = lines.map((l) => JSON.parse(l)).filter((r) => r.msg === 'claim refused');
  t.match(refusals, [{ reason: 'other-hub', hubId: 'hub-log', asked: 'hub-wrong' }, { reason: 'used', hubId: 'hub-log' }]);
  t.ok(lines.some((l) => JSON.parse(l).msg === 'hub claimed'));
});
