/**
 * The local alarm panel's HTTP face (Hono): the page, the alarm list, a live
 * Server-Sent Events stream, staff sign-in, display pairing, acknowledge/resolve,
 * health and metrics. Works with the LAN alone: nothing is loaded from the
 * internet. Who may do what, and the guards in front of it: docs/panel.md.
 */
import { readFileSync } from 'node:fs';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { ACVPU_LEVELS, Id, type Actor } from '../../protocols/event.ts';
import { AlarmError, type AlarmService } from '../alarms/alarm-service.ts';
import type { Alarm } from '../alarms/alarm.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { NEWS2_LIMITS } from '../vitals/news2.ts';
import { DISPLAY_COOKIE, DISPLAY_COOKIE_MAX_AGE_S, SESSION_COOKIE, type PanelAccess, type StaffSession } from './access.ts';

export interface PanelAppOptions {
  hubId: string;
  alarms: AlarmService;
  access: PanelAccess;
  /** room display names, keyed by room id */
  roomNames: ReadonlyMap<string, string>;
  /** request bodies larger than this are refused (413) */
  maxBodyBytes: number;
  metrics: Metrics;
  logger: Logger;
  /** Interval of SSE keep-alive comments; proxies drop silent streams. */
  keepAliveMs?: number;
  /** Aborted when the panel stops, to end open streams. */
  shutdown: AbortSignal;
  /**
   * The link to the relay as the forwarder sees it (Forwarder.linkState); absent when nothing is
   * forwarded. The page shows a notice when the relay refuses the hub's credential (docs/provisioning.md#revocation).
   */
  relay?: () => { state: string };
  /** Stores a staff observation of a resident and runs the rules over it (Pipeline.observe). */
  observe(residentId: string, observation: { acvpu?: (typeof ACVPU_LEVELS)[number]; o2?: boolean; vitals?: ManualVitals }, by: Actor): Promise<unknown>;
}

type Refusal =
  | 'host'
  | 'origin'
  | 'body-too-large'
  | 'unauthenticated'
  | 'bad-credentials'
  | 'rate-limited'
  | 'bad-pairing-code'
  | 'bad-request'
  | 'busy';

type Env = { Variables: { staff: StaffSession | null; display: string | null; address: string } };

const SignIn = z.strictObject({ staffId: z.string().min(1).max(64), pin: z.string().min(1).max(128) });
/** What a nurse enters for NEWS2: consciousness (ACVPU) and/or air or oxygen; who comes from the session. */
/** A vital sign measured by hand, within the NEWS2 scorer's accepted range (docs/news2.md#accepted-ranges): a typo such as SpO2 970 is refused, not scored. */
const manual = (limits: { min: number; max: number; unit: string }) =>
  z.number().finite().min(limits.min, `at least ${limits.min} ${limits.unit}`).max(limits.max, `at most ${limits.max} ${limits.unit}`).optional();
const ManualVitals = z.strictObject({
  'respiratory-rate': manual(NEWS2_LIMITS.rr),
  spo2: manual(NEWS2_LIMITS.spo2),
  'systolic-bp': manual(NEWS2_LIMITS.sbp),
  'heart-rate': manual(NEWS2_LIMITS.hr),
  'body-temperature': manual(NEWS2_LIMITS.temp),
});
type ManualVitals = z.infer<typeof ManualVitals>;

const ObservationBody = z
  .strictObject({ acvpu: z.enum(ACVPU_LEVELS).optional(), o2: z.boolean().optional(), vitals: ManualVitals.optional() })
  .refine((b) => b.acvpu !== undefined || b.o2 !== undefined || Object.values(b.vitals ?? {}).some((v) => v !== undefined), {
    message: 'give acvpu, o2 or at least one vital sign',
  });

/** The acting staff member comes from the session; a body may be empty or `{}`, never name someone. */
const ActionBody = z.strictObject({}).default({});

const asset = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');
const PAGE = asset('./page.html');
const PAGE_JS = asset('./page.js');
const PAGE_CSS = asset('./page.css');
const PAIR_PAGE = asset('./pair.html');

/**
 * No inline script or style is allowed: page.js and page.css are files of their own,
 * so an injected `<script>` has nothing to run under. frame-ancestors keeps the
 * panel out of other sites' frames (clickjacking an Acknowledge button).
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function createPanelApp(options: PanelAppOptions): Hono<Env> {
  const { alarms, metrics, logger, access } = options;
  const app = new Hono<Env>();
  let openStreams = 0;
  metrics.define('panel_streams_open', 'gauge', 'Panel SSE streams open now', () => openStreams);
  metrics.define(
    'panel_refused_total',
    'counter',
    'Panel HTTP requests refused, by reason: host (Host not allowed), origin (foreign Origin on a POST or DELETE), ' +
      'body-too-large, unauthenticated (no staff session or paired display), bad-credentials (wrong staff id or PIN), ' +
      'rate-limited (too many bad PINs from one address), bad-pairing-code, bad-request (malformed body), ' +
      'busy (too many sign-ins waiting for their PIN check)',
  );
  const view = (alarm: Alarm) => ({ ...alarm, roomName: alarm.roomId ? (options.roomNames.get(alarm.roomId) ?? alarm.roomId) : null });

  function refuse(c: Context<Env>, reason: Refusal, status: 400 | 401 | 403 | 413 | 429 | 503, message: string, headers?: Record<string, string>) {
    metrics.inc('panel_refused_total', { reason });
    logger.warn({ reason, method: c.req.method, path: c.req.path, address: c.var.address, status }, 'panel request refused');
    return c.json({ error: reason, message }, status, headers);
  }

  // Security headers on every answer, refusals included.
  app.use('*', async function securityHeaders(c, next) {
    c.set('address', clientAddress(c));
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Frame-Options', 'DENY');
    c.header('X-Content-Type-Options', 'nosniff');
    // The pairing link carries its code in the query: never leak it in a Referer.
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });

  app.use('*', async function hostGuard(c, next) {
    if (!access.hostAllowed(c.req.header('host'))) {
      return refuse(c, 'host', 403, 'this panel answers only to its own addresses and panel.allowedHosts');
    }
    await next();
  });

  // Cross-site requests: a browser always sends Origin on a POST or DELETE, so a foreign
  // or opaque ("null") Origin is another site's page; clients without one are not browsers.
  app.use('*', async function originGuard(c, next) {
    const origin = c.req.header('origin');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && origin !== undefined) {
      const host = c.req.header('host')!.toLowerCase();
      if (origin.toLowerCase() !== `http://${host}` && origin.toLowerCase() !== `https://${host}`) {
        return refuse(c, 'origin', 403, 'cross-site request refused');
      }
    }
    await next();
  });

  app.use(
    '*',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) => refuse(c as Context<Env>, 'body-too-large', 413, `request body over ${options.maxBodyBytes} bytes`),
    }),
  );

  app.use('*', async function identify(c, next) {
    c.set('staff', access.session(getCookie(c, SESSION_COOKIE)));
    c.set('display', access.display(getCookie(c, DISPLAY_COOKIE)));
    await next();
  });

  const asPage = (body: string, type: string) => (c: Context<Env>) => c.body(body, 200, { 'content-type': type });
  app.get('/', (c) => c.html(PAGE.replaceAll('{{HUB_ID}}', escapeHtml(options.hubId))));
  app.get('/page.js', asPage(PAGE_JS, 'text/javascript; charset=utf-8'));
  app.get('/page.css', asPage(PAGE_CSS, 'text/css; charset=utf-8'));
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/metrics', (c) => c.text(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }));

  // Pairing: the installer's one-time link (or the code typed into the form) becomes a
  // long-lived display cookie; the code is spent.
  app.get('/pair', async function handlePair(c) {
    const code = c.req.query('code');
    if (code === undefined || code.trim() === '') return c.html(PAIR_PAGE.replace('{{MESSAGE}}', ''));
    const wait = access.retryAfterS(c.var.address);
    if (wait > 0) return refuse(c, 'rate-limited', 429, 'too many bad attempts; wait', { 'Retry-After': String(wait) });
    const result = await access.pair(code.slice(0, 128), c.var.address, c.var.display);
    // The display that spent this code opens its link again (a bookmark, a reload): just show the panel.
    if (!result.ok && result.reason === 'used' && result.displayId === c.var.display) return c.redirect('/', 303);
    if (!result.ok) {
      metrics.inc('panel_refused_total', { reason: 'bad-pairing-code' });
      logger.warn({ reason: 'bad-pairing-code', why: result.reason, address: c.var.address }, 'panel request refused');
      const message = { unknown: 'This pairing code is not known.', used: 'This pairing code was used already.', expired: 'This pairing code has expired.' }[
        result.reason
      ];
      return c.html(PAIR_PAGE.replace('{{MESSAGE}}', `<p class="error">${message} Ask the installer for a new one (npx hub display add).</p>`), 403);
    }
    setCookie(c, DISPLAY_COOKIE, result.cookie, { httpOnly: true, sameSite: 'Strict', path: '/', maxAge: DISPLAY_COOKIE_MAX_AGE_S });
    logger.info({ displayId: result.displayId, address: c.var.address }, 'display paired');
    return c.redirect('/', 303);
  });

  app.get('/api/session', (c) => {
    const staff = c.var.staff;
    return c.json({
      staff: staff && { id: staff.staffId, name: staff.name, expiresAt: new Date(staff.expiresAt).toISOString() },
      display: c.var.display && { id: c.var.display },
    });
  });

  app.post('/api/session', async function handleSignIn(c) {
    const wait = access.retryAfterS(c.var.address);
    if (wait > 0) return refuse(c, 'rate-limited', 429, `too many bad PINs; try again in ${wait} s`, { 'Retry-After': String(wait) });
    const body = SignIn.safeParse(await readJson(c));
    if (!body.success) return refuse(c, 'bad-request', 400, 'expected JSON {"staffId": "...", "pin": "..."}');
    const signedIn = await access.signIn(body.data.staffId, body.data.pin, c.var.address);
    if (signedIn === 'busy') return refuse(c, 'busy', 503, 'too many sign-ins at once; try again', { 'Retry-After': '1' });
    if (!signedIn) {
      const after = access.retryAfterS(c.var.address);
      return refuse(c, 'bad-credentials', 401, 'unknown staff id or wrong PIN', after > 0 ? { 'Retry-After': String(after) } : undefined);
    }
    const { session, token } = signedIn;
    setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/', maxAge: Math.floor(access.sessionMs / 1000) });
    logger.info({ staffId: session.staffId, address: c.var.address }, 'staff signed in');
    return c.json({ staff: { id: session.staffId, name: session.name, expiresAt: new Date(session.expiresAt).toISOString() } });
  });

  app.delete('/api/session', (c) => {
    const session = access.signOut(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict' });
    if (session) logger.info({ staffId: session.staffId, address: c.var.address }, 'staff signed out');
    return c.json({ staff: null });
  });

  // Viewing needs a paired display or a signed-in staff member.
  app.use('/api/alarms', viewerOnly);
  app.use('/api/stream', viewerOnly);
  app.use('/api/relay', viewerOnly);
  async function viewerOnly(c: Context<Env>, next: () => Promise<void>) {
    if (!c.var.staff && !c.var.display) return refuse(c, 'unauthenticated', 401, 'sign in or pair this display to see alarms');
    await next();
  }

  app.get('/api/alarms', (c) => c.json({ items: alarms.list().map(view) }));
  // Only the state: the relay's URL and its answers are for `hub status` on the hub itself.
  app.get('/api/relay', (c) => c.json({ state: options.relay?.().state ?? 'off' }));

  app.get('/api/stream', (c) => {
    const staffCookie = getCookie(c, SESSION_COOKIE);
    const displayCookie = getCookie(c, DISPLAY_COOKIE);
    // A stream ends at the keep-alive after its viewer signs out, expires or is unpaired.
    const stillAllowed = () => access.session(staffCookie) !== null || access.display(displayCookie) !== null;
    return streamSSE(c, async function alarmStream(stream) {
      metrics.inc('panel_streams_opened_total');
      openStreams += 1;
      let eventId = 0;
      // Snapshot then subscribe with no await between, so no change falls in the gap.
      void stream.writeSSE({ event: 'snapshot', data: JSON.stringify(alarms.list().map(view)), id: String(eventId++) });
      const unsubscribe = alarms.onChange((alarm) => {
        void stream.writeSSE({ event: 'alarm', data: JSON.stringify(view(alarm)), id: String(eventId++) });
      });
      let endStream = () => {};
      const done = new Promise<void>((resolve) => (endStream = resolve));
      stream.onAbort(endStream);
      options.shutdown.addEventListener('abort', endStream, { once: true });
      const keepAlive = setInterval(() => (stillAllowed() ? void stream.write(': keep-alive\n\n') : endStream()), options.keepAliveMs ?? 15_000);
      await done;
      // Tablets reconnect all day: leave nothing behind per stream.
      options.shutdown.removeEventListener('abort', endStream);
      clearInterval(keepAlive);
      unsubscribe();
      openStreams -= 1;
    });
  });

  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post(`/api/alarms/:id/${action}`, async function handleAlarmAction(c) {
      const staff = c.var.staff;
      if (!staff) return refuse(c, 'unauthenticated', 401, 'sign in as staff to acknowledge or resolve');
      const body = ActionBody.safeParse(await readJson(c));
      if (!body.success) return refuse(c, 'bad-request', 400, 'the body must be empty or {}: the acting staff member comes from the sign-in');
      // The transition records who is signed in, never a name the client sends.
      const by = { kind: 'panel' as const, id: staff.staffId };
      try {
        const alarm = action === 'acknowledge' ? await alarms.acknowledge(c.req.param('id'), by) : await alarms.resolve(c.req.param('id'), by);
        return c.json(view(alarm));
      } catch (err) {
        if (err instanceof AlarmError) return c.json({ error: err.code, message: err.message }, err.code === 'not-found' ? 404 : 409);
        throw err;
      }
    });
  }

  app.post('/api/residents/:residentId/observations', async function handleObservation(c) {
    const staff = c.var.staff;
    if (!staff) return refuse(c, 'unauthenticated', 401, 'sign in as staff to enter an observation');
    const residentId = Id.safeParse(c.req.param('residentId'));
    const body = ObservationBody.safeParse(await readJson(c));
    if (!residentId.success || !body.success) {
      // Each problem named by its key, so the form can say which field to fix.
      const problems = [
        ...(residentId.success ? [] : ['residentId: letters, digits, . _ : - only']),
        ...(body.success ? [] : body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)),
      ];
      return refuse(
        c,
        'bad-request',
        400,
        `POST {"acvpu": "A"|"C"|"V"|"P"|"U", "o2": true|false, "vitals": {"respiratory-rate", "spo2", "systolic-bp", "heart-rate", "body-temperature"}} (at least one) for a resident id: ${problems.join('; ')}`,
      );
    }
    const vitals = Object.fromEntries(Object.entries(body.data.vitals ?? {}).filter(([, v]) => v !== undefined)) as ManualVitals;
    const observation = {
      ...(body.data.acvpu && { acvpu: body.data.acvpu }),
      ...(body.data.o2 !== undefined && { o2: body.data.o2 }),
      ...(Object.keys(vitals).length > 0 && { vitals }),
    };
    // Recorded as the signed-in staff member, never a name the client sends.
    await options.observe(residentId.data, observation, { kind: 'panel', id: staff.staffId });
    return c.json({ residentId: residentId.data, ...observation, by: staff.staffId }, 201);
  });

  app.onError((err, c) => {
    logger.error({ err }, 'panel request failed');
    return c.json({ error: 'internal', message: 'internal error' }, 500);
  });
  return app;
}

/** The body as JSON; an empty body is `undefined`, malformed JSON a value no schema accepts. */
async function readJson(c: Context<Env>): Promise<unknown> {
  const raw = await c.req.text();
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return Symbol('not JSON');
  }
}

/** The peer's address from @hono/node-server's socket ('unknown' under app.request without one). */
function clientAddress(c: Context<Env>): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
