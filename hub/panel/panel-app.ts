/**
 * The local alarm panel's HTTP face (Hono): the page, the alarm list, a live
 * Server-Sent Events stream, acknowledge/resolve, health and metrics.
 * Works with the LAN alone (promise 3): nothing is loaded from the internet.
 */
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { AlarmError, type AlarmService } from '../alarms/alarm-service.ts';
import type { Alarm } from '../alarms/alarm.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';

export interface PanelAppOptions {
  hubId: string;
  alarms: AlarmService;
  /** room display names, keyed by room id */
  roomNames: ReadonlyMap<string, string>;
  metrics: Metrics;
  logger: Logger;
  /** Interval of SSE keep-alive comments; proxies drop silent streams. */
  keepAliveMs?: number;
  /** Aborted when the panel stops, to end open streams. */
  shutdown: AbortSignal;
}

const ActionBody = z.strictObject({ by: z.string().trim().min(1).max(64).optional() }).default({});

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');

export function createPanelApp(options: PanelAppOptions): Hono {
  const { alarms, metrics, logger } = options;
  const app = new Hono();
  let openStreams = 0;
  metrics.define('panel_streams_open', 'gauge', 'Panel SSE streams open now', () => openStreams);
  const view = (alarm: Alarm) => ({ ...alarm, roomName: alarm.roomId ? (options.roomNames.get(alarm.roomId) ?? alarm.roomId) : null });

  app.get('/', (c) => c.html(PAGE.replaceAll('{{HUB_ID}}', escapeHtml(options.hubId))));
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/metrics', (c) => c.text(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }));
  app.get('/api/alarms', (c) => c.json({ items: alarms.list().map(view) }));

  app.get('/api/stream', (c) =>
    streamSSE(c, async function alarmStream(stream) {
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
      const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n'), options.keepAliveMs ?? 15_000);
      await done;
      // Tablets reconnect all day: leave nothing behind per stream.
      options.shutdown.removeEventListener('abort', endStream);
      clearInterval(keepAlive);
      unsubscribe();
      openStreams -= 1;
    }),
  );

  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post(`/api/alarms/:id/${action}`, async function handleAlarmAction(c) {
      const raw = await c.req.text();
      let json: unknown = undefined;
      try {
        json = raw.trim() === '' ? undefined : JSON.parse(raw);
      } catch {
        return c.json({ error: 'bad-request', message: 'body is not JSON' }, 400);
      }
      const body = ActionBody.safeParse(json);
      if (!body.success) return c.json({ error: 'bad-request', message: body.error.issues.map((i) => i.message).join('; ') }, 400);
      const by = { kind: 'panel' as const, id: body.data.by ?? 'panel' };
      try {
        const alarm = action === 'acknowledge' ? await alarms.acknowledge(c.req.param('id'), by) : await alarms.resolve(c.req.param('id'), by);
        return c.json(view(alarm));
      } catch (err) {
        if (err instanceof AlarmError) return c.json({ error: err.code, message: err.message }, err.code === 'not-found' ? 404 : 409);
        throw err;
      }
    });
  }

  app.onError((err, c) => {
    logger.error({ err }, 'panel request failed');
    return c.json({ error: 'internal', message: 'internal error' }, 500);
  });
  return app;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
