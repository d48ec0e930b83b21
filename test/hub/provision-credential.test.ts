/** The hub's credential file (docs/provisioning.md#the-credential-file) and how `hub start` picks its token. */
import t from 'tap';
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { credentialPath, readCredential, resolveRelayCredential, writeCredential, type StoredCredential } from '../../hub/credential-store.ts';

const credential: StoredCredential = {
  hubId: 'hub-1',
  relayUrl: 'https://relay.example',
  token: 'stored-token-0123456789',
  epoch: 2,
  firstSeq: 41,
  provisionedAt: '2026-11-24T12:00:00.000Z',
};

t.test('written 0600, whole, with nothing left beside it; read back as written', async (t) => {
  const dir = t.testdir();
  writeCredential(dir, credential);
  t.equal(statSync(credentialPath(dir)).mode & 0o777, 0o600);
  t.same(readdirSync(dir), ['credential.json'], 'the temp file was renamed into place');
  t.same(readCredential(dir), credential);
  writeCredential(dir, { ...credential, token: 'rotated-token-0123456789' });
  t.equal(readCredential(dir)?.token, 'rotated-token-0123456789', 'replaced as a whole');
  t.equal(statSync(credentialPath(dir)).mode & 0o777, 0o600);
});

t.test('a credential that fails its schema is never written', async (t) => {
  const dir = t.testdir();
  writeCredential(dir, credential);
  t.throws(() => writeCredential(dir, { ...credential, token: 'short' }));
  t.equal(readCredential(dir)?.token, credential.token, 'the old file is untouched');
  t.same(readdirSync(dir), ['credential.json']);
});

t.test('a missing file is no credential; a broken one is a clear error', async (t) => {
  t.equal(readCredential(t.testdir()), undefined);
  const dir = t.testdir();
  writeFileSync(credentialPath(dir), '{"hubId": "hub-1"');
  t.throws(() => readCredential(dir), { code: 'invalid', message: /is not JSON; provision the hub again/ });
  writeFileSync(credentialPath(dir), JSON.stringify({ ...credential, token: undefined }));
  t.throws(() => readCredential(dir), { code: 'invalid', message: /token: .*provision the hub again/ });
  writeFileSync(credentialPath(dir), JSON.stringify(credential));
  chmodSync(credentialPath(dir), 0o000);
  if (process.getuid?.() !== 0) t.throws(() => readCredential(dir), { code: 'unreadable' }); // root reads anything
  chmodSync(credentialPath(dir), 0o600);
});

t.test('hub start: the configured token wins, else the stored one, never another hub\'s', async (t) => {
  const dir = t.testdir();
  const config = (relay: { url?: string; token?: string }, hubId = 'hub-1') => ({ hubId, dataDir: dir, relay });
  t.same(resolveRelayCredential(config({})), { url: undefined, reason: 'no-relay' });
  t.same(resolveRelayCredential(config({ url: 'https://r.example' })), { url: undefined, reason: 'not-provisioned' });
  writeCredential(dir, credential);
  t.same(resolveRelayCredential(config({})), { url: 'https://relay.example', token: credential.token, source: 'credential-file' }, 'the file names the relay');
  t.same(resolveRelayCredential(config({ url: 'https://other.example' })), { url: 'https://other.example', token: credential.token, source: 'credential-file' }, 'the config\'s url wins');
  t.same(resolveRelayCredential(config({ url: 'https://r.example', token: 'env-token-0123456789' })), { url: 'https://r.example', token: 'env-token-0123456789', source: 'config' });
  t.throws(() => resolveRelayCredential(config({}, 'hub-2')), { name: 'CredentialError', code: 'invalid', message: /hub "hub-1"'s credential, but this hub is "hub-2"/ });
});
