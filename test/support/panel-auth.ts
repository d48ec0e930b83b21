/**
 * A staff member and a display for tests and benches that talk to the panel HTTP API,
 * which refuses everyone else (docs/panel.md). The hash is precomputed: scrypt costs
 * ~100 ms, too much to pay in every file that builds a config.
 */
import { newPairingCode, normalisePairingCode, tokenSha256 } from '../../hub/staff/credentials.ts';

export const TEST_PIN = '482916';
export const TEST_STAFF = {
  id: 'nurse-test',
  name: 'Test Nurse',
  pinScrypt: 'scrypt$32768$8$1$ivULAjeaodBk8Hqka2MJGA$OaeygjcLOBEaGb9rG3QdpBXHGzBV6P0ixXhNcyssA0o',
} as const;

/** Signs in through `POST /api/session`; returns the Cookie header value for later requests. */
export async function staffCookie(panelUrl: string, staffId: string = TEST_STAFF.id, pin: string = TEST_PIN): Promise<string> {
  const res = await fetch(new URL('api/session', panelUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId, pin }),
  });
  if (!res.ok) throw new Error(`sign-in as ${staffId} answered ${res.status}: ${await res.text()}`);
  return cookiesOf(res);
}

/** A display entry for the config, with the one-time code that pairs it. */
export function testDisplay(id = 'display-test', validMs = 3600_000): { entry: { id: string; pairingCodeSha256: string; pairingExpiresAt: string }; code: string } {
  const code = newPairingCode();
  return {
    entry: { id, pairingCodeSha256: tokenSha256(normalisePairingCode(code)), pairingExpiresAt: new Date(Date.now() + validMs).toISOString() },
    code,
  };
}

/** Opens `/pair?code=...` as a display would; returns the Cookie header value. */
export async function displayCookie(panelUrl: string, code: string): Promise<string> {
  const res = await fetch(new URL(`pair?code=${encodeURIComponent(code)}`, panelUrl), { redirect: 'manual' });
  if (res.status !== 303) throw new Error(`pairing answered ${res.status}`);
  return cookiesOf(res);
}

/** `name=value; name2=value2` from a response's Set-Cookie headers. */
export function cookiesOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
}
