/**
 * The panel's guards through `app.request` (as hono tests its middleware): who may view,
 * who may act, the host and origin checks, the brake on bad PINs, pairing, expiry,
 * the body limit and the security headers. docs/panel.md describes each.
 */
import t, { type Test } from 'tap';
import { AlarmService } from '../../../hub/alarms/alarm-service.ts';
import { createMetrics } from '../../../hub/metrics.ts';
import { PanelAccess, parseHost } from '../../../hub/panel/access.ts';
import { verifyPin as realVerifyPin } from '../../../hub/staff/credentials.ts';
import { createPanelApp } from '../../../hub/panel/panel-app.ts';
import { EventLog } from '../../../hub/store/event-log.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import type { KvStore } from '../../../hub/store/kv-store.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { createTestLogger } from '../../fakes/test-logger.ts';
import { cookiesOf, TEST_PIN, TEST_STAFF, testDisplay } from '../../support/panel-auth.ts';

const HOST = 'panel.test';
const BASE = `http://${HOST}`;
const START = Date.parse('2026-11-24T20:00:00Z');

interface RigOptions {
  store?: KvStore;
  clock?: FakeClock;
  displays?: Array<ReturnType<typeof testDisplay>['entry']>;
  staff?: Array<typeof TEST_STAFF>;
  keepAliveMs?: number;
  verifyPin?: (pin: string, stored: string) => Promise<boolean>;
}

async function rig(t: Test, options: RigOptions = {}) {
  const store = options.store ?? createMemoryStore();
  const clock = options.clock ?? new FakeClock(START);
  const { logger, records } = createTestLogger('warn');
  const metrics = createMetrics();
  const log = new EventLog({ hubId: 'hub-test', store, clock });
  const alarms = new AlarmService({ store, log, clock, logger, metrics });
  if (!options.store) await store.open();
  await log.start();
  await alarms.start();
  const access = new PanelAccess({
    staff: options.staff ?? [TEST_STAFF],
    displays: options.displays ?? [],
    allowedHosts: [HOST],
    sessionHours: 12,
    signInAttempts: 3,
    store,
    clock,
    interfaceAddresses: () => ['192.0.2.7', 'fe80::1'],
    ...(options.verifyPin && { verifyPin: options.verifyPin }),
  });
  await access.start();
  const shutdown = new AbortController();
  t.teardown(() => shutdown.abort());
  const observations: Array<{ residentId: string; observation: object; by: object }> = [];
  const app = createPanelApp({
    observe: async (residentId, observation, by) => observations.push({ residentId, observation, by }),
    hubId: 'hub-test',
    alarms,
    access,
    roomNames: new Map([['room-1', 'Room 1']]),
    maxBodyBytes: 1024,
    metrics,
    logger,
    keepAliveMs: options.keepAliveMs ?? 60_000,
    shutdown: shutdown.signal,
  });
  /** A request from `address`, with Host panel.test unless the caller sets one. */
  const request = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}, address = '192.0.2.50') =>
    app.request(`${BASE}${path}`, { ...init, headers: { host: HOST, ...init.headers } }, { incoming: { socket: { remoteAddress: address } } });
  let raised = 0;
  const raise = () => alarms.apply({ op: 'raise', key: `call:${++raised}`, type: 'call', priority: 'medium', reason: 'call', roomId: 'room-1' }, 'call-point');
  const signIn = async (pin = TEST_PIN, address?: string) =>
    request('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ staffId: TEST_STAFF.id, pin }) }, address);
  return { app, request, signIn, raise, alarms, metrics, clock, store, records, observations };
}

t.test('nobody views or acts without a session or a paired display (401)', async (t) => {
  const r = await rig(t);
  for (const [method, path] of [
    ['GET', '/api/alarms'],
    ['GET', '/api/stream'],
    ['POST', '/api/alarms/some-id/acknowledge'],
    ['POST', '/api/alarms/some-id/resolve'],
  ] as const) {
    const res = await r.request(path, { method });
    t.equal(res.status, 401, `${method} ${path} refused`);
  }
  t.equal(r.metrics.get('panel_refused_total', { reason: 'unauthenticated' }), 4, 'each refusal counted');
  t.match(r.records, [{ msg: 'panel request refused', reason: 'unauthenticated', path: '/api/alarms' }], 'and logged');
  t.equal((await r.request('/')).status, 200, 'the page itself (no data) is served, to offer the sign-in');
});

t.test('a signed-in staff member views and acts; the transition records the staff id', async (t) => {
  const r = await rig(t);
  const res = await r.signIn();
  t.equal(res.status, 200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  t.match(setCookie, /carehub_session=[A-Za-z0-9_-]{43};/, 'a 256-bit session token');
  t.match(setCookie, /HttpOnly/);
  t.match(setCookie, /SameSite=Strict/);
  t.match(setCookie, /Max-Age=43200/, 'lasts one 12 h shift');
  t.match(await res.json(), { staff: { id: TEST_STAFF.id, name: TEST_STAFF.name } });
  const cookie = cookiesOf(res);
  t.match(await (await r.request('/api/session', { headers: { cookie } })).json(), { staff: { id: TEST_STAFF.id }, display: null });

  const alarm = await r.raise();
  t.match(await (await r.request('/api/alarms', { headers: { cookie } })).json(), { items: [{ id: alarm!.id, roomName: 'Room 1' }] });
  const named = await r.request(`/api/alarms/${alarm!.id}/acknowledge`, { method: 'POST', headers: { cookie }, body: '{"by":"someone-else"}' });
  t.equal(named.status, 400, 'a client-supplied actor is refused');
  const ack = await r.request(`/api/alarms/${alarm!.id}/acknowledge`, { method: 'POST', headers: { cookie } });
  t.equal(ack.status, 200);
  t.match(await ack.json(), { state: 'acknowledged', lifecycle: [{}, { state: 'acknowledged', by: { kind: 'panel', id: TEST_STAFF.id } }] });

  const out = await r.request('/api/session', { method: 'DELETE', headers: { cookie } });
  t.equal(out.status, 200);
  t.match(out.headers.get('set-cookie'), /carehub_session=;.*Max-Age=0/, 'sign-out clears the cookie');
  t.equal((await r.request('/api/alarms', { headers: { cookie } })).status, 401, 'the old token is dead after sign-out');
});

t.test('a signed-in nurse enters an observation for NEWS2, recorded as herself; others are refused', async (t) => {
  const r = await rig(t);
  const post = (body: string, cookie?: string, resident = 'res-7') =>
    r.request(`/api/residents/${resident}/observations`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie && { cookie }) }, body });
  t.equal((await post('{"acvpu":"V"}')).status, 401, 'no session, no entry');
  const cookie = cookiesOf(await r.signIn());
  const made = await post('{"acvpu":"V","o2":true}', cookie);
  t.equal(made.status, 201);
  t.match(await made.json(), { residentId: 'res-7', acvpu: 'V', o2: true, by: TEST_STAFF.id });
  for (const [body, resident] of [['{}', 'res-7'], ['{"acvpu":"X"}', 'res-7'], ['{"acvpu":"A","by":"someone-else"}', 'res-7'], ['{"o2":false}', 'bad id']] as const) {
    t.equal((await post(body, cookie, encodeURIComponent(resident))).status, 400, `refused: ${body} for ${resident}`);
  }
  t.same(r.observations, [{ residentId: 'res-7', observation: { acvpu: 'V', o2: true }, by: { kind: 'panel', id: TEST_STAFF.id } }], 'only the good entry reached the rules');
});

t.test('manual vital signs: accepted within the NEWS2 scorer\'s ranges; a bad one is refused with its key named', async (t) => {
  const r = await rig(t);
  const cookie = cookiesOf(await r.signIn());
  const post = (body: string) =>
    r.request('/api/residents/res-7/observations', { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body });
  const made = await post('{"vitals":{"spo2":93,"body-temperature":38.6}}');
  t.equal(made.status, 201);
  t.match(await made.json(), { residentId: 'res-7', vitals: { spo2: 93, 'body-temperature': 38.6 }, by: TEST_STAFF.id });
  for (const [body, named] of [
    ['{"vitals":{"spo2":970}}', /vitals\.spo2: at most 100 %/],
    ['{"vitals":{"body-temperature":20}}', /vitals\.body-temperature: at least 25/],
    ['{"vitals":{"weight":70}}', /vitals: .*weight/],
    ['{"vitals":{}}', /body: give acvpu, o2 or at least one vital sign/],
    ['{"acvpu":"A","vitals":{"heart-rate":"fast"}}', /vitals\.heart-rate/],
  ] as const) {
    const res = await post(body);
    t.equal(res.status, 400, `refused: ${body}`);
    t.match((await res.json()).message, named, `the message names the problem: ${body}`);
  }
  t.same(r.observations.map((o) => o.observation), [{ vitals: { spo2: 93, 'body-temperature': 38.6 } }], 'only the good entry reached the rules');
});

t.test('an open stream ends once its viewer signs out', async (t) => {
  const r = await rig(t, { keepAliveMs: 20 });
  const cookie = cookiesOf(await r.signIn());
  const res = await r.request('/api/stream', { headers: { cookie } });
  t.equal(res.status, 200);
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  t.match(first, /event: snapshot/, 'the stream opens with a snapshot');
  await r.request('/api/session', { method: 'DELETE', headers: { cookie } });
  const ended = (async () => {
    for (;;) if ((await reader.read()).done) return true;
  })();
  const limit = new Promise<false>((resolve) => setTimeout(() => resolve(false), 2000).unref());
  t.equal(await Promise.race([ended, limit]), true, 'closed at the next keep-alive, not left open');
});

t.test('a session ends after the shift', async (t) => {
  const r = await rig(t);
  const cookie = cookiesOf(await r.signIn());
  r.clock.advance(12 * 3600_000 - 1000);
  t.equal((await r.request('/api/alarms', { headers: { cookie } })).status, 200, 'still valid just before 12 h');
  r.clock.advance(1000);
  t.equal((await r.request('/api/alarms', { headers: { cookie } })).status, 401, 'refused at 12 h');
});

t.test('an unknown staff id is refused like a wrong PIN', async (t) => {
  const first = await rig(t);
  const wrongId = await first.request('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId: 'nobody', pin: TEST_PIN }),
  });
  t.equal(wrongId.status, 401);
  t.equal(first.metrics.get('panel_refused_total', { reason: 'bad-credentials' }), 1, 'counted as a bad sign-in');
  t.match(await wrongId.json(), { error: 'bad-credentials', message: 'unknown staff id or wrong PIN' });
});

t.test('repeated bad PINs from one address get 429 with Retry-After, doubling; other addresses are not affected', async (t) => {
  const r = await rig(t); // signInAttempts: 3
  for (let i = 0; i < 2; i++) t.equal((await r.signIn('000001')).status, 401, `bad PIN ${i + 1}: 401`);
  const third = await r.signIn('000001');
  t.equal(third.status, 401, 'the third bad PIN is still answered');
  t.equal(third.headers.get('retry-after'), '1', 'and says how long to wait');
  const blocked = await r.signIn(TEST_PIN);
  t.equal(blocked.status, 429, 'even the right PIN waits out the lockout');
  t.equal(blocked.headers.get('retry-after'), '1');
  t.equal((await r.signIn(TEST_PIN, '192.0.2.99')).status, 200, 'another address signs in');
  r.clock.advance(1000);
  t.equal((await r.signIn('000001')).status, 401, 'after the wait, one more try');
  const longer = await r.signIn(TEST_PIN);
  t.equal(longer.status, 429);
  t.equal(longer.headers.get('retry-after'), '2', 'the wait doubles');
  r.clock.advance(2000);
  t.equal((await r.signIn(TEST_PIN)).status, 200, 'the right PIN after the wait signs in');
  t.equal(r.metrics.get('panel_refused_total', { reason: 'rate-limited' }), 2);
  t.equal(r.metrics.get('panel_refused_total', { reason: 'bad-credentials' }), 4);
});

t.test('sign-ins are checked one at a time; past 8 waiting, 503 at once', async (t) => {
  let running = 0;
  let most = 0;
  const verifyPin = async (pin: string, stored: string) => {
    most = Math.max(most, ++running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const ok = await realVerifyPin(pin, stored);
    running -= 1;
    return ok;
  };
  const r = await rig(t, { verifyPin });
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => r.signIn('000001', `192.0.2.${100 + i}`)));
  const statuses = answers.map((a) => a.status).sort();
  t.same(statuses, [...Array(8).fill(401), ...Array(4).fill(503)], '8 checked (and refused), 4 turned away');
  t.equal(answers.find((a) => a.status === 503)?.headers.get('retry-after'), '1');
  t.equal(r.metrics.get('panel_refused_total', { reason: 'busy' }), 4);
  t.equal(most, 1, 'the scrypt checks ran one after another, never side by side');
  t.equal((await r.signIn()).status, 200, 'once the line is gone, sign-in works');
});

t.test('a display pairs once with its code and may view, not act; an expired or spent code is refused', async (t) => {
  const store = createMemoryStore();
  await store.open();
  const clock = new FakeClock(START);
  const good = testDisplay('station', 3600_000);
  good.entry.pairingExpiresAt = new Date(START + 3600_000).toISOString();
  const stale = testDisplay('corridor');
  stale.entry.pairingExpiresAt = new Date(START - 1).toISOString();
  const r = await rig(t, { store, clock, displays: [good.entry, stale.entry] });

  const form = await r.request('/pair');
  t.equal(form.status, 200);
  t.match(await form.text(), /name="code"/, 'without a code, a form to type it');

  const paired = await r.request(`/pair?code=${encodeURIComponent(good.code.toLowerCase().replaceAll('-', ' '))}`);
  t.equal(paired.status, 303, 'the code pairs, typed in any case and spacing');
  t.equal(paired.headers.get('location'), '/');
  const setCookie = paired.headers.get('set-cookie') ?? '';
  t.match(setCookie, /^carehub_display=station\.[A-Za-z0-9_-]{43};/, 'a 256-bit display token');
  t.match(setCookie, /HttpOnly/);
  t.match(setCookie, /SameSite=Strict/);
  t.match(setCookie, /Max-Age=34560000/, 'long-lived (400 days)');
  const cookie = cookiesOf(paired);
  const stored = await store.entries<{ tokenSha256: string }>({ gte: 'panel:display:', lt: 'panel:display;' });
  t.equal(stored.length, 1);
  t.notMatch(JSON.stringify(stored), cookie.split('.')[1]!, 'only the hash of the token is stored');

  const alarm = await r.raise();
  t.equal((await r.request('/api/alarms', { headers: { cookie } })).status, 200, 'the display views');
  t.match(await (await r.request('/api/session', { headers: { cookie } })).json(), { staff: null, display: { id: 'station' } });
  const act = await r.request(`/api/alarms/${alarm!.id}/acknowledge`, { method: 'POST', headers: { cookie } });
  t.equal(act.status, 401, 'but may not act');
  t.equal(r.alarms.list()[0]?.state, 'active');

  t.equal((await r.request(`/pair?code=${good.code}`, { headers: { cookie } })).status, 303, 'the paired display reopening its link just gets the panel');
  t.equal((await r.request(`/pair?code=${good.code}`, {}, '192.0.2.51')).status, 403, 'anyone else finds the code spent');
  t.equal((await r.request(`/pair?code=${stale.code}`, {}, '192.0.2.52')).status, 403, 'an expired code is refused');
  t.equal((await r.request('/pair?code=WRONG-CODE', {}, '192.0.2.53')).status, 403, 'an unknown code is refused');
  t.equal(r.metrics.get('panel_refused_total', { reason: 'bad-pairing-code' }), 3);
  t.equal((await r.request('/api/alarms', { headers: { cookie: 'carehub_display=station.' + 'A'.repeat(43) } })).status, 401, 'a forged token is refused');

  // Survives a restart (the pairing is in the store) ...
  const again = await rig(t, { store, clock, displays: [good.entry] });
  t.equal((await again.request('/api/alarms', { headers: { cookie } })).status, 200, 'still paired after a restart');
  // ... but not its removal from the config.
  const removed = await rig(t, { store, clock, displays: [] });
  t.equal((await removed.request('/api/alarms', { headers: { cookie } })).status, 401, 'a display removed from the config is refused');
});

t.test('DNS rebinding: a Host that is not the hub is refused (403), even with a valid session', async (t) => {
  const r = await rig(t);
  const cookie = cookiesOf(await r.signIn());
  for (const host of ['evil.example', 'evil.example:8080', 'panel.test.evil.example', '10.9.9.9', '[2001:db8::1]:80', '']) {
    const res = await r.request('/api/alarms', { headers: { host, cookie } });
    t.equal(res.status, 403, `Host "${host}" refused`);
  }
  for (const host of ['panel.test', 'PANEL.TEST:8080', 'panel.test.', 'localhost:8080', '127.0.0.1:8080', '127.1.2.3', '[::1]:8080', '192.0.2.7:80', '[fe80::1]']) {
    const res = await r.request('/api/alarms', { headers: { host, cookie } });
    t.equal(res.status, 200, `Host "${host}" allowed`);
  }
  t.equal(r.metrics.get('panel_refused_total', { reason: 'host' }), 6);
  t.equal(parseHost('a b'), null, 'a malformed Host is no host');
});

t.test('a POST or DELETE from a foreign Origin is refused (403), even with a valid session', async (t) => {
  const r = await rig(t);
  const cookie = cookiesOf(await r.signIn());
  const alarm = await r.raise();
  for (const origin of ['http://evil.example', 'null', `http://${HOST}:9999`, `http://${HOST}.evil.example`]) {
    const res = await r.request(`/api/alarms/${alarm!.id}/acknowledge`, { method: 'POST', headers: { cookie, origin } });
    t.equal(res.status, 403, `Origin ${origin} refused`);
  }
  t.equal((await r.request('/api/session', { method: 'DELETE', headers: { cookie, origin: 'http://evil.example' } })).status, 403, 'sign-out too');
  t.equal(r.alarms.list()[0]?.state, 'active', 'nothing happened');
  const same = await r.request(`/api/alarms/${alarm!.id}/acknowledge`, { method: 'POST', headers: { cookie, origin: BASE } });
  t.equal(same.status, 200, 'the panel\'s own origin acts');
  t.equal(r.metrics.get('panel_refused_total', { reason: 'origin' }), 5);
});

t.test('a body over the limit is refused (413)', async (t) => {
  const r = await rig(t);
  const res = await r.request('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId: TEST_STAFF.id, pin: 'x'.repeat(2000) }),
  });
  t.equal(res.status, 413);
  t.equal(r.metrics.get('panel_refused_total', { reason: 'body-too-large' }), 1);
  const malformed = await r.request('/api/session', { method: 'POST', body: 'staffId=x' });
  t.equal(malformed.status, 400, 'a body that is not the JSON sign-in is 400');
});

t.test('security headers on the page, the API and refusals', async (t) => {
  const r = await rig(t);
  const page = await r.request('/');
  const refused = await r.request('/api/alarms', { headers: { host: 'evil.example' } });
  for (const [what, res] of [
    ['page', page],
    ['refusal', refused],
  ] as const) {
    const csp = res.headers.get('content-security-policy') ?? '';
    t.match(csp, /script-src 'self'/, `${what}: scripts only from the hub`);
    t.notMatch(csp, /unsafe-inline|unsafe-eval/, `${what}: no inline-script loophole`);
    t.match(csp, /frame-ancestors 'none'/, `${what}: not framed`);
    t.equal(res.headers.get('x-frame-options'), 'DENY');
    t.equal(res.headers.get('x-content-type-options'), 'nosniff');
    t.equal(res.headers.get('referrer-policy'), 'no-referrer');
  }
  const html = await page.text();
  t.notMatch(html, /<script>|<script type="module">|<style>|\son[a-z]+=/i, 'the page has no inline script, style or handler for the CSP to forbid');
  t.equal((await r.request('/page.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
});
