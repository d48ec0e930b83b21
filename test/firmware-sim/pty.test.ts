import t from 'tap';
import { existsSync } from 'node:fs';
import { createPtyPair, socatAvailable } from '../../firmware-sim/pty.ts';
import { requirement } from '../support/requirements.ts';

t.test('a missing socat is a coded error', async (t) => {
  t.equal(socatAvailable('/nonexistent/socat'), false);
  await t.rejects(createPtyPair({ socatPath: '/nonexistent/socat' }), { name: 'PtyError', code: 'socat-missing' });
});

t.test('createPtyPair makes both links and close() removes them', { skip: requirement('socat', socatAvailable(), 'Debian: apt-get install socat') }, async (t) => {
  const pair = await createPtyPair();
  t.teardown(() => pair.close());
  t.ok(existsSync(pair.devicePath), 'device link exists');
  t.ok(existsSync(pair.hubPath), 'hub link exists');
  t.not(pair.devicePath, pair.hubPath);
  await pair.close();
  await pair.close(); // idempotent
  t.notOk(existsSync(pair.devicePath), 'device link removed');
  t.notOk(existsSync(pair.hubPath), 'hub link removed');
});
