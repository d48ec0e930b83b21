// The scenario file parser: the example file parses; every kind of bad file is refused with its line,
// column, field path and a message a person can act on (docs/firmware-sim.md#scenario-files).
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { BLE_SIM_KINDS } from '../../firmware-sim/ble-sims.ts';
import { BLE_DEVICE_TYPES, parseDuration, parseScenarioYaml, ScenarioFileError, type ScenarioIssue } from '../../firmware-sim/scenario-file.ts';

const EXAMPLE = new URL('../../firmware-sim/scenarios/night-in-room-101.yaml', import.meta.url);

/** The issues a text is refused with (fails the test when it parses). */
function issuesOf(t: Test, text: string, code: ScenarioFileError['code'] = 'invalid-scenario'): readonly ScenarioIssue[] {
  try {
    parseScenarioYaml(text, 'bad.yaml');
  } catch (err) {
    t.type(err, ScenarioFileError);
    t.equal((err as ScenarioFileError).code, code);
    return (err as ScenarioFileError).issues;
  }
  t.fail('parsed, but should have been refused');
  return [];
}

const HEAD = `residents:
  - id: ada
devices:
  - { id: oxi, type: cms50-v7, resident: ada }
  - { id: radar, type: seeed-mr60fda2 }
  - { id: rx, type: call-receiver }
timeline:
`;

t.test('the example scenario parses: times in ms, defaults filled, steps in file order', async (t) => {
  const s = parseScenarioYaml(readFileSync(EXAMPLE, 'utf8'), 'night-in-room-101.yaml');
  t.equal(s.name, 'Night in room 101');
  t.same(s.residents[0], { id: 'ada', vitals: { spo2: 96, pulse: 68, temperature: 36.7 } });
  t.match(s.devices.find((d) => d.id === 'rx-1'), { type: 'call-receiver', address: 1 });
  t.same(s.timeline[3], { at: 10_000, do: 'drift-vitals', resident: 'ada', to: { spo2: 89, pulse: 104 }, over: 120_000 });
  t.match(s.timeline.find((x) => x.do === 'fall'), { at: 160_000, device: 'room-101-radar', fallen: true }, 'fallen defaults to true');
  t.equal(s.duration, 390_000);
});

t.test('durations', async (t) => {
  const table: Array<[string, number | null]> = [
    ['500ms', 500],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['2m 5s', 125_000],
    ['10', null], // no unit
    ['10x', null],
    ['s', null],
    ['', null],
  ];
  for (const [text, ms] of table) t.equal(parseDuration(text), ms, JSON.stringify(text));
});

t.test('BLE device types are the BLE sim kinds, prefixed', async (t) => {
  t.same([...BLE_DEVICE_TYPES].sort(), BLE_SIM_KINDS.map((k) => `ble-${k}`).sort());
});

t.test('YAML syntax errors name their line', async (t) => {
  const nested = issuesOf(t, `timeline:\n  - at: 0\n    do: log: x\n`, 'yaml-syntax');
  t.match(nested, [{ line: 3, column: 9, message: /Nested mappings/ }]);
  // A repeated key would silently win in JSON; YAML refuses it, and so do we.
  const repeated = issuesOf(t, `name: a\nname: b\ntimeline: []\n`, 'yaml-syntax');
  t.match(repeated, [{ line: 2, message: /unique/ }]);
});

t.test('a bad duration names the line and column of the value', async (t) => {
  const issues = issuesOf(t, `${HEAD}  - { at: 0, do: log, message: ok }\n  - at: 2q\n    do: log\n    message: x\n`);
  t.same(issues.map((i) => [i.line, i.column, i.path]), [[9, 9, 'timeline.1.at']]);
  t.match(issues[0]!.message, /"2q" is not a duration/);
});

t.test('a bare number is refused as a time (ms or s?)', async (t) => {
  const issues = issuesOf(t, `${HEAD}  - { at: 10, do: log, message: x }\n`);
  t.match(issues, [{ path: 'timeline.0.at', line: 8, message: /no unit/ }]);
});

t.test('a missing field points at its step', async (t) => {
  const issues = issuesOf(t, `${HEAD}  - { at: 0, do: log, message: ok }\n  - do: fall\n    device: radar\n`);
  t.match(issues, [{ path: 'timeline.1.at', line: 9, message: /missing/ }]);
});

t.test('an unknown step kind and an unknown field are refused', async (t) => {
  const kind = issuesOf(t, `${HEAD}  - { at: 1s, do: explode, device: radar }\n`);
  t.match(kind, [{ path: 'timeline.0.do', line: 8 }]);
  const field = issuesOf(t, `${HEAD}  - { at: 1s, do: fall, device: radar, severity: 3 }\n`);
  t.match(field, [{ path: 'timeline.0', line: 8, message: /severity/ }]);
});

t.test('a step naming an undeclared device or resident', async (t) => {
  const issues = issuesOf(t, `${HEAD}  - { at: 1s, do: fall, device: radr }\n  - { at: 2s, do: finger-out, resident: bob }\n`);
  t.match(issues, [
    { path: 'timeline.0.device', line: 8, message: 'no device "radr" in devices' },
    { path: 'timeline.1.resident', line: 9, message: 'no resident "bob" in residents' },
  ]);
});

t.test("a step the device's type cannot do", async (t) => {
  const issues = issuesOf(t, `${HEAD}  - { at: 1s, do: fall, device: oxi }\n`);
  t.match(issues, [{ path: 'timeline.0.do', line: 8, message: /fall needs a device of type seeed-mr60fda2; "oxi" is a cms50-v7/ }]);
});

t.test('a press on a call receiver needs the call point; a measure needs its values', async (t) => {
  const press = issuesOf(t, `${HEAD}  - { at: 1s, do: press, device: rx }\n`);
  t.match(press, [{ path: 'timeline.0', message: /needs callPoint/ }]);
  const measure = issuesOf(t, `devices:\n  - { id: cuff, type: ble-blood-pressure, address: "c0:ff:ee:00:00:01" }\ntimeline:\n  - { at: 1s, do: measure, device: cuff, systolic: 130 }\n`);
  t.match(measure, [{ path: 'timeline.0', line: 4, message: /needs diastolic/ }]);
});

t.test('declarations: duplicates, unknown residents, bad addresses, passwords', async (t) => {
  const issues = issuesOf(
    t,
    `residents:
  - id: ada
  - id: ada
devices:
  - { id: a, type: cms50-v7, resident: bob }
  - { id: a, type: seeed-mr60fda2 }
  - { id: b, type: mqtt-call-point }
timeline:
  - { at: 0, do: log, message: x }
`,
  );
  t.match(issues, [
    { path: 'residents.1.id', line: 3, message: /declared twice/ },
    { path: 'devices.0.resident', line: 5, message: /no resident "bob"/ },
    { path: 'devices.1.id', line: 6, message: /declared twice/ },
    { path: 'devices.2', line: 7, message: /password or passwordEnv/ },
  ]);
  const address = issuesOf(t, `devices:\n  - { id: hr, type: ble-heart-rate, address: nope }\ntimeline:\n  - { at: 0, do: log, message: x }\n`);
  t.match(address, [{ path: 'devices.0.address', line: 2, message: /BLE address/ }]);
});

t.test('an empty timeline, and every issue at once', async (t) => {
  t.match(issuesOf(t, `timeline: []\n`), [{ path: 'timeline', line: 1, message: /at least one step/ }]);
  const many = issuesOf(t, `timeline:\n  - { at: 1, do: log, message: a }\n  - { at: 2, do: log, message: b }\n`);
  t.equal(many.length, 2, 'both bad times reported, not only the first');
});

t.test('the error message lists file:line:column and the path', async (t) => {
  try {
    parseScenarioYaml(`${HEAD}  - { at: 1s, do: fall, device: radr }\n`, 'ward.yaml');
    t.fail('should throw');
  } catch (err) {
    t.match((err as Error).message, /^ward\.yaml: invalid scenario\n {2}ward\.yaml:8:\d+ timeline\.0\.device: no device "radr" in devices$/);
  }
});
