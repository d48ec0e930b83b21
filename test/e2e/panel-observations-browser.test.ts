/**
 * The panel's observation form in a real browser (Debian's chromium driven by playwright-core;
 * docs/panel.md#observations): signed-in staff enter consciousness, air or oxygen and vital signs by
 * hand; the hub stores them as the signed-in nurse and the rules raise from them; bad values are
 * refused with the field named.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { createHub } from '../../hub/main.ts';
import type { Event } from '../../protocols/event.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';
import { hubConfig } from '../hub/support.ts';
import { TEST_PIN, TEST_STAFF } from '../support/panel-auth.ts';
import { requireForFile } from '../support/requirements.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (requireForFile(`chromium at ${CHROMIUM}`, existsSync(CHROMIUM), 'Debian: apt-get install chromium, or set CHROMIUM_PATH')) {
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

  t.test('staff enter ACVPU, oxygen and manual vitals on the page; the rules raise from them; bad values are named', async (t) => {
    // NEWS2 announces at once here (confirmMs 0), so the entry's score shows on the page without waiting 2 min.
    const hub = createHub(hubConfig({ dataDir: t.testdir(), receivers: [], devices: [], rules: { news2: { confirmMs: 0 } } }), { logger: createTestLogger('silent').logger });
    const { panelUrl } = await hub.start();
    t.teardown(() => hub.stop());
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const page = await context.newPage();
    const problems: string[] = [];
    // Script errors and CSP violations; HTTP error answers (the refused value's 400) are expected.
    page.on('console', (m) => void (m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(m.text())));
    page.on('pageerror', (err) => problems.push(err.message));

    await page.goto(panelUrl);
    await page.locator('#sign-in').waitFor();
    t.equal(await page.locator('#observe').isVisible(), false, 'no form before sign-in');
    await page.getByLabel('Staff id').fill(TEST_STAFF.id);
    await page.getByLabel('PIN').fill(TEST_PIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`Signed in: ${TEST_STAFF.name} (${TEST_STAFF.id})`).waitFor();
    await page.getByText('Enter observations for NEWS2').click();

    await page.getByLabel('Resident id').fill('res-7');
    await page.getByRole('button', { name: 'Record' }).click();
    await page.locator('#observation-result:not([hidden])').waitFor();
    t.equal(await page.locator('#observation-result').textContent(), 'Enter at least one observation.', 'an empty entry is not sent');

    await page.getByLabel('Consciousness (ACVPU)').selectOption('V');
    await page.getByLabel('Air or oxygen').selectOption('true');
    await page.getByLabel('Respiration rate (/min)').fill('22');
    await page.getByLabel('SpO2 (%)').fill('93');
    await page.getByLabel('Systolic BP (mmHg)').fill('120');
    await page.getByLabel('Pulse (/min)').fill('95');
    await page.getByLabel('Temperature (°C)').fill('38.6');
    await page.getByRole('button', { name: 'Record' }).click();
    await page.getByText(/^Recorded for res-7/).waitFor();
    t.equal(
      await page.locator('#observation-result').textContent(),
      `Recorded for res-7 by ${TEST_STAFF.id}: ACVPU V, on oxygen, respiratory-rate 22, spo2 93, systolic-bp 120, heart-rate 95, body-temperature 38.6`,
    );
    t.equal(await page.getByLabel('SpO2 (%)').inputValue(), '', 'the values are cleared for the next entry');
    t.equal(await page.getByLabel('Resident id').inputValue(), 'res-7', 'the resident stays');

    // The rules saw them: a fever from the manual temperature, and NEWS2 from the whole set
    // (rr 2, SpO2 2, oxygen 2, SBP 0, pulse 1, V 3, temp 1: 11, high).
    await page.locator('article.alarm', { hasText: 'body-temperature-high' }).waitFor();
    await page.locator('article.alarm', { hasText: 'news2-high' }).waitFor();
    t.equal(await page.locator('article.alarm .room', { hasText: 'news2-high' }).textContent(), 'resident res-7 — news2-high', 'an alarm with no room names its resident');
    t.match(hub.alarms.list().find((a) => a.type === 'news2-high'), { residentId: 'res-7', reason: /^NEWS2 11 \(high\): rr 2, spo2 2, o2 2, sbp 0, hr 1, acvpu 3, temp 1/ });
    t.notMatch(hub.alarms.list().find((a) => a.type === 'news2-high')!.reason, /assumed/, 'nothing assumed: every parameter was entered');

    // Stored as the signed-in nurse: the observation and one reading per vital sign, marked as entered by hand.
    let stored: Event[] = [];
    await eventually(() => {
      void hub.outbox.peek(100).then((events) => (stored = events));
      return stored.filter((e) => e.residentId === 'res-7' && (e.kind === 'reading' || e.kind === 'observation')).length === 6;
    }, 'the entry in the outbox');
    const nurse = { kind: 'panel', id: TEST_STAFF.id };
    t.match(stored.find((e) => e.kind === 'observation'), { residentId: 'res-7', payload: { acvpu: 'V', o2: true, by: nurse } });
    t.equal(hub.alarms.list().filter((a) => a.type.startsWith('news2')).length, 1, 'one entry, scored once: consciousness and oxygen are stored before the vital signs');
    t.same(
      stored.filter((e) => e.kind === 'reading').map((e) => e.kind === 'reading' && [e.payload.metric, e.payload.value, e.payload.unit, e.payload.enteredBy]),
      [
        ['respiratory-rate', 22, '/min', nurse],
        ['spo2', 93, '%', nurse],
        ['systolic-bp', 120, 'mm[Hg]', nurse],
        ['heart-rate', 95, '/min', nurse],
        ['body-temperature', 38.6, 'Cel', nurse],
      ],
    );

    // A value the browser's own limits would stop, sent anyway: the hub refuses it and names the field.
    await page.getByLabel('SpO2 (%)').evaluate((input) => input.removeAttribute('max'));
    await page.getByLabel('SpO2 (%)').fill('970');
    await page.getByRole('button', { name: 'Record' }).click();
    await page.getByText(/^Not recorded:/).waitFor();
    t.match(await page.locator('#observation-result').textContent(), /vitals\.spo2: at most 100 %/);
    t.same(problems, [], 'no script errors or CSP violations');
  });
}
