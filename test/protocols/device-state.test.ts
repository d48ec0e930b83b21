/** The device states (protocols/device-state.ts): each kind with its field is accepted, a wrong one is not. */
import t from 'tap';
import { DeviceState } from '../../protocols/device-state.ts';

t.test('every state kind parses with its own field, and only with it', async (t) => {
  const good = [
    { kind: 'fall', fallen: true },
    { kind: 'presence', present: false },
    { kind: 'motion', motion: 'moving' },
    { kind: 'body-movement', level: 0 },
    { kind: 'body-movement', level: 100 },
    { kind: 'stationary-residence', residing: true },
    { kind: 'bed-exit', out: true },
    { kind: 'door', open: false },
    { kind: 'water-leak', leak: true },
    { kind: 'sensor', status: 'finger-out' },
  ];
  for (const state of good) t.same(DeviceState.parse(state), state, JSON.stringify(state));
  const bad = [
    { kind: 'body-movement', level: 101 },
    { kind: 'body-movement', level: -1 },
    { kind: 'body-movement', level: 50.5 },
    { kind: 'fall', present: true },
    { kind: 'sensor', status: 'low-spo2' },
    { kind: 'motion', motion: 'running' },
    { kind: 'smoke', detected: true },
  ];
  for (const state of bad) t.notOk(DeviceState.safeParse(state).success, `refused: ${JSON.stringify(state)}`);
});
