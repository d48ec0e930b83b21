/** `npm run demo` as a user runs it: the printed lines, an alarm on the panel and at the relay, a clean stop. */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

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
  t.ok(panelUrl && relayUrl && key, 'prints Panel, Relay and Operator API key lines');

  const panel = (await (await fetch(new URL('api/alarms', panelUrl))).json()) as { items: Array<{ roomId: string; state: string }> };
  t.match(panel.items, [{ roomId: 'room-102', state: 'active' }], 'the panel shows the open MQTT call');

  const relay = await fetch(`${relayUrl}/v1/alarms`, { headers: { authorization: `Bearer ${key}` } });
  t.equal(relay.status, 200);
  const states = ((await relay.json()) as { items: Array<{ roomId: string; state: string }> }).items.map((a) => `${a.roomId}:${a.state}`).sort();
  t.same(states, ['room-101:resolved', 'room-102:active'], 'the relay has both alarms with their states');
  t.equal((await fetch(`${relayUrl}/docs`)).status, 200, 'the docs page is served under the relay URL');

  demo.kill('SIGTERM');
  t.equal(await exited, 0, 'exits 0 after SIGTERM');
  t.ok(lines.includes('Stopped.'), 'says it stopped');
});
