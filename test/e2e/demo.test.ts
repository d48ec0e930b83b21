/** `npm run demo` as a user runs it: the printed lines, an alarm on the panel and at the relay, a clean stop. */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cookiesOf } from '../support/panel-auth.ts';
import { socatAvailable } from '../../firmware-sim/pty.ts';

// Without socat the demo swaps room 101's serial call point for an MQTT button; the checks are the same.
t.test('the demo shows an alarm on the panel and in the relay API, then stops on SIGTERM', async (t) => {
  const demo = spawn(process.execPath, ['--import', 'tsx', 'firmware-sim/demo.ts'], {
    env: { ...process.env, DEMO_DATA_DIR: t.testdir() },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
  t.teardown(() => void demo.kill('SIGKILL'));
  const lines: string[] = [];
  const seen = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        for (const line of lines) {
          const m = pattern.exec(line);
          if (m) return resolve(m);
        }
      };
      createInterface({ input: demo.stdout! }).on('line', (line) => {
        lines.push(line);
        check();
      });
      exited.then(() => reject(new Error(`demo exited before printing ${pattern}:\n${lines.join('\n')}`)));
      check();
    });
  const ready = seen(/^Demo running\./);
  await ready;
  const panelUrl = /^Panel: (\S+)$/m.exec(lines.join('\n'))?.[1];
  const relayUrl = /^Relay: (\S+)$/m.exec(lines.join('\n'))?.[1];
  const key = /^Operator API key: (\S+)$/m.exec(lines.join('\n'))?.[1];
  const signIn = /^Staff sign-in: (\S+) PIN (\S+)$/m.exec(lines.join('\n'));
  t.ok(panelUrl && relayUrl && key, 'prints Panel, Relay and Operator API key lines');
  t.ok(signIn, 'prints a Staff sign-in line with the demo nurse\'s id and PIN');

  // The printed Panel URL pairs this client as a display, so it sees alarms at once.
  const paired = await fetch(panelUrl!, { redirect: 'manual' });
  t.equal(paired.status, 303, 'the Panel URL pairs the display and sends it to the panel');
  const display = cookiesOf(paired);
  const panel = (await (await fetch(new URL('api/alarms', panelUrl), { headers: { cookie: display } })).json()) as {
    items: Array<{ id: string; roomId: string; state: string; type: string; priority: string }>;
  };
  const call = panel.items.find((a) => a.roomId === 'room-102');
  t.match(call, { roomId: 'room-102', state: 'active' }, 'the panel shows the open MQTT call');
  if (socatAvailable()) {
    // Room 103's radar reports a fall over its serial line: the highest priority, listed first.
    t.match(panel.items[0], { roomId: 'room-103', type: 'fall', priority: 'high', state: 'active' }, 'the radar\'s fall is on the panel, first');
  }
  t.equal((await fetch(new URL('api/alarms', panelUrl))).status, 401, 'without the pairing cookie the list is refused');

  // The demo nurse signs in with the printed PIN and acknowledges the call.
  const session = await fetch(new URL('api/session', panelUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId: signIn?.[1], pin: signIn?.[2] }),
  });
  t.equal(session.status, 200, 'the printed PIN signs the demo nurse in');
  const nurse = { cookie: cookiesOf(session) };
  const ack = await fetch(new URL(`api/alarms/${call?.id}/acknowledge`, panelUrl), { method: 'POST', headers: nurse });
  t.match(await ack.json(), { state: 'acknowledged', lifecycle: [{}, { by: { kind: 'panel', id: signIn?.[1] } }] }, 'acknowledged as the demo nurse');
  const resolve = await fetch(new URL(`api/alarms/${call?.id}/resolve`, panelUrl), { method: 'POST', headers: nurse });
  t.equal(resolve.status, 200, 'and resolved');

  // The relay hears both updates from the panel (the forwarder is woken by them, not by the next input).
  const relayStates = async () => {
    const relay = await fetch(`${relayUrl}/v1/alarms`, { headers: { authorization: `Bearer ${key}` } });
    if (relay.status !== 200) throw new Error(`GET /v1/alarms answered ${relay.status}`);
    const items = ((await relay.json()) as { items: Array<{ roomId: string; state: string }> }).items;
    // Room 103's alarms (the fall, the SpO2 drifting down) come and go on their own time: the calls are checked here.
    return items.filter((a) => a.roomId !== 'room-103').map((a) => `${a.roomId}:${a.state}`).sort();
  };
  const resolvedAt = Date.now();
  let states = await relayStates();
  while (states.join() !== 'room-101:resolved,room-102:resolved' && Date.now() - resolvedAt < 10_000) {
    await new Promise((r) => setTimeout(r, 50));
    states = await relayStates();
  }
  t.same(states, ['room-101:resolved', 'room-102:resolved'], 'the relay has both alarms, the panel\'s resolve included');
  t.comment(`the panel's resolve reached the relay ${Date.now() - resolvedAt} ms after it was made`);
  t.equal((await fetch(`${relayUrl}/docs`)).status, 200, 'the docs page is served under the relay URL');

  demo.kill('SIGTERM');
  t.equal(await exited, 0, 'exits 0 after SIGTERM');
  t.ok(lines.includes('Stopped.'), 'says it stopped');
});
