/**
 * The alarm panel in a real browser (Debian's chromium driven by playwright-core): a paired
 * display views, a staff member signs in and acts; and, over plain HTTP, the refusals that keep
 * everyone else out (docs/panel.md).
 */
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import mqtt from 'mqtt';
import { chromium, type Browser } from 'playwright-core';
import { createHub } from '../../hub/main.ts';
import { sha256Hex } from '../../hub/secrets.ts';
import { deviceTopic } from '../../protocols/mqtt-topics.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { hubConfig } from '../hub/support.ts';
import { staffCookie, TEST_PIN, TEST_STAFF, testDisplay } from '../support/panel-auth.ts';
import { requireForFile } from '../support/requirements.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function startHub(t: Test, display?: ReturnType<typeof testDisplay>['entry']) {
  const hub = createHub(
    hubConfig({
      dataDir: t.testdir(),
      receivers: [],
      devices: [{ id: 'btn-102', roomId: 'room-102', mqtt: { passwordSha256: sha256Hex('pw') } }],
      displays: display ? [display] : [],
    }),
    { logger: createTestLogger('silent').logger },
  );
  const running = await hub.start();
  t.teardown(() => hub.stop());
  const press = async (seq: number) => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${running.brokerPort}`, {
      clientId: 'btn-102',
      username: 'btn-102',
      password: 'pw',
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await client.publishAsync(deviceTopic('btn-102', 'call'), JSON.stringify({ event: 'call', seq }), { qos: 1 });
    await client.endAsync();
  };
  return { hub, panelUrl: running.panelUrl, press };
}

/** A raw HTTP request, so Host and Origin can be anything (fetch does not let a test set Host). */
function raw(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

if (!requireForFile(`chromium at ${CHROMIUM}`, existsSync(CHROMIUM), 'Debian: apt-get install chromium, or set CHROMIUM_PATH')) {
  // Reported by requireForFile: skipped on a user's machine, a failure under CI=true.
} else {
  let browser: Browser;
  t.before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root in a closed network: no sandbox, and no background calls home.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  t.teardown(() => browser?.close());

  t.test('a paired display sees a call live; staff sign in, acknowledge and resolve it', async (t) => {
    const display = testDisplay('station');
    const { hub, panelUrl, press } = await startHub(t, display.entry);
    const external: string[] = [];
    const problems: string[] = [];
    const open = async () => {
      const context = await browser.newContext();
      t.teardown(() => context.close());
      const page = await context.newPage();
      page.on('request', (req) => void (!req.url().startsWith(panelUrl) && external.push(req.url())));
      // A CSP violation ("Refused to ...") or a script error shows here: the page must work under
      // its own policy. HTTP error answers (the wrong PIN's 401) are logged too, and expected.
      page.on('console', (m) => void (m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(m.text())));
      page.on('pageerror', (err) => problems.push(err.message));
      return page;
    };

    // The display: the installer's link pairs it, and it shows alarms with nobody signed in.
    const screen = await open();
    await screen.goto(new URL(`pair?code=${display.code}`, panelUrl).href);
    t.equal(screen.url(), panelUrl, 'pairing lands on the panel (the code leaves the address bar)');
    await screen.getByText('No open alarms').waitFor();
    await screen.locator('#link.up').waitFor(); // the SSE stream is open
    t.equal(await screen.locator('h1').textContent(), 'Alarm panel · hub-test', 'the header names the hub');
    t.match(await screen.locator('#sign-in-hint').textContent(), /Display station/, 'the display knows it is paired');

    // Staff on another browser: nothing to see until signed in.
    const staff = await open();
    await staff.goto(panelUrl);
    await staff.locator('#sign-in').waitFor();
    t.match(await staff.locator('#link').textContent(), /signed out/, 'no stream before sign-in');

    await press(1);
    const card = screen.locator('article.alarm');
    await card.and(screen.locator('[data-state="active"]')).waitFor();
    t.match(await card.textContent(), /Room 102 — call/, 'the display shows the call');
    t.equal(await card.getByRole('button').count(), 0, 'a display has no action buttons');
    if (process.env.PANEL_SCREENSHOT) await screen.screenshot({ path: process.env.PANEL_SCREENSHOT });

    await staff.getByLabel('Staff id').fill(TEST_STAFF.id);
    await staff.getByLabel('PIN').fill('999111');
    await staff.getByRole('button', { name: 'Sign in' }).click();
    await staff.locator('#message:not([hidden])').waitFor();
    t.equal(await staff.locator('#message').textContent(), 'Unknown staff id or wrong PIN.', 'a wrong PIN is refused on the page');
    t.equal(await staff.locator('#who').isVisible(), false, 'and nobody is signed in');
    await staff.getByLabel('PIN').fill(TEST_PIN);
    await staff.getByRole('button', { name: 'Sign in' }).click();
    await staff.getByText(`Signed in: ${TEST_STAFF.name} (${TEST_STAFF.id})`).waitFor();
    const staffCard = staff.locator('article.alarm');
    await staffCard.and(staff.locator('[data-state="active"]')).waitFor();
    if (process.env.PANEL_SCREENSHOT) await staff.screenshot({ path: process.env.PANEL_SCREENSHOT.replace(/(\.png)?$/, '-staff.png') });

    await staffCard.getByRole('button', { name: 'Acknowledge' }).click();
    await staff.locator('article.alarm[data-state="acknowledged"]').waitFor();
    await screen.locator('article.alarm[data-state="acknowledged"]').waitFor();
    t.equal(await staffCard.getByRole('button', { name: 'Acknowledge' }).count(), 0, 'no Acknowledge button once acknowledged');
    t.match(hub.alarms.list()[0]?.lifecycle.at(-1), { state: 'acknowledged', by: { kind: 'panel', id: TEST_STAFF.id } }, 'acknowledged by the signed-in nurse');

    await staffCard.getByRole('button', { name: 'Resolve' }).click();
    await staff.getByText('No open alarms').waitFor();
    await screen.getByText('No open alarms').waitFor();
    t.equal(hub.alarms.list().length, 0, 'resolved at the hub');

    await staff.getByRole('button', { name: 'Sign out' }).click();
    await staff.locator('#sign-in').waitFor();
    await press(2);
    await screen.locator('article.alarm[data-state="active"]').waitFor();
    t.equal(await staff.locator('article.alarm').count(), 0, 'after sign-out the staff browser shows nothing');
    t.same(problems, [], 'no script error or CSP violation');
    t.same(external, [], 'the pages asked nothing of the internet');
  });
}

t.test('refused over HTTP: 401 without a session, 403 for a foreign Origin or Host', async (t) => {
  const { hub, panelUrl, press } = await startHub(t);
  await press(1);
  const id = hub.alarms.list()[0]!.id;
  const url = (path: string) => new URL(path, panelUrl).href;

  t.equal((await fetch(url('api/alarms'))).status, 401, 'GET /api/alarms without a session');
  t.equal((await fetch(url('api/stream'))).status, 401, 'GET /api/stream without a session');
  t.equal((await fetch(url(`api/alarms/${id}/acknowledge`), { method: 'POST' })).status, 401, 'acknowledge without a session');
  t.equal((await fetch(url(`api/alarms/${id}/resolve`), { method: 'POST' })).status, 401, 'resolve without a session');

  const cookie = await staffCookie(panelUrl);
  const origin = new URL(panelUrl).origin;
  const act = (headers: Record<string, string>) => raw(url(`api/alarms/${id}/acknowledge`), { method: 'POST', headers: { cookie, ...headers } });
  t.equal(await act({ origin: 'http://evil.example' }), 403, 'a signed-in POST from a foreign Origin');
  t.equal(await act({ host: 'evil.example', origin: 'http://evil.example' }), 403, 'a POST with a foreign Host (DNS rebinding)');
  t.equal(await act({ host: `evil.example:${new URL(panelUrl).port}` }), 403, 'a POST with a foreign Host and no Origin');
  t.equal(await raw(url('api/alarms'), { headers: { cookie, host: 'evil.example' } }), 403, 'a GET with a foreign Host');
  t.equal(hub.alarms.list()[0]?.state, 'active', 'none of them acted');
  t.equal(await act({ origin }), 200, 'the same request from the panel\'s own origin acts');
  t.equal(hub.metrics.get('panel_refused_total', { reason: 'unauthenticated' }), 4);
  t.equal(hub.metrics.get('panel_refused_total', { reason: 'origin' }), 1);
  t.equal(hub.metrics.get('panel_refused_total', { reason: 'host' }), 3);
  t.match(hub.metrics.render(), /# HELP carehub_hub_panel_refused_total Panel HTTP requests refused, by reason/);
});
