/**
 * `npm run sim -- <scenario.yaml> [--hub-broker mqtt://...] [--load N]` (docs/firmware-sim.md#the-cli):
 * plays a scenario file against simulated devices, or runs the load mode. Exit status: 0 done,
 * 1 a step or the run failed, 2 bad arguments or an invalid scenario file.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { systemClock } from '../drivers/clock.ts';
import { SimulatedCentral } from '../drivers/ble/simulated-central.ts';
import { createSerialportBinding } from '../drivers/serial/serialport-binding.ts';
import { runLoad, loadDeviceIds } from './load.ts';
import { createWearableSim } from './wearable-sim.ts';
import { startLocalBroker, type LocalBroker } from './local-broker.ts';
import { parseDuration, parseScenarioYaml, ScenarioFileError } from './scenario-file.ts';
import { createScenarioPlayer } from './scenario-player.ts';
import { createScenarioRuntime, ScenarioRuntimeError } from './scenario-runtime.ts';

const HELP = `Usage: npm run sim -- <scenario.yaml> [options]
       npm run sim -- --load N [options]
       npm run sim -- --wearable ID --sisfall FILE [options]

Plays a scenario file (docs/firmware-sim.md) against simulated devices that send the real wire
bytes: serial devices on socat PTY pairs (their hub-side paths are printed), MQTT call points and
zigbee2mqtt devices on the hub's broker, BLE devices on an in-process simulated radio.

Options:
  --hub-broker URL     the hub's MQTT broker (mqtt://host:port); without it, a local broker is
                       started for MQTT devices and load mode
  --base-topic T       zigbee2mqtt base topic (default zigbee2mqtt)
  --z2m-user U         zigbee2mqtt bridge login (password from SIM_Z2M_PASSWORD)
  --load N             load mode: N residents, each an MQTT oximeter stream and a call button
  --duration D         load mode run time (default 30s), e.g. 10s, 2m
  --password P         load devices' MQTT password (default from SIM_LOAD_PASSWORD, else "load")
  --hz H               load mode oximeter samples per second per resident (default 1)
  --press-every D      load mode time between one button's presses (default 30s)
  --print-devices      load mode: print the device ids to put in the hub config, then exit
  --wearable ID        a carehub-wearable belt clip logging in as ID (password from SIM_WEARABLE_PASSWORD,
                       else --password): replays --sisfall FILE's accelerometer as raw batches
  --sisfall FILE       a SisFall trial file (e.g. ../shared/data/falls/sisfall/SA01/F05_SA01_R01.txt)
  --real-time          wearable: one batch every half second, as worn (default: as fast as acknowledged)
  --log-level L        pino level for the sims (default warn)
  -h, --help           this text
`;

function fail(message: string): number {
  process.stderr.write(`sim: ${message}\n(npm run sim -- --help)\n`);
  return 2;
}

const say = (line: string) => process.stdout.write(line + '\n');

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'hub-broker': { type: 'string' },
        'base-topic': { type: 'string' },
        'z2m-user': { type: 'string' },
        load: { type: 'string' },
        duration: { type: 'string' },
        password: { type: 'string' },
        hz: { type: 'string' },
        'press-every': { type: 'string' },
        'print-devices': { type: 'boolean' },
        wearable: { type: 'string' },
        sisfall: { type: 'string' },
        'real-time': { type: 'boolean' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return fail((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const logger = pino({ level: values['log-level'] ?? 'warn' });

  if (values.load !== undefined) {
    const residents = Number(values.load);
    if (!Number.isInteger(residents) || residents < 1) return fail(`--load needs a whole number of residents ≥ 1, got "${values.load}"`);
    const durationMs = parseDuration(values.duration ?? '30s');
    const pressEveryMs = parseDuration(values['press-every'] ?? '30s');
    const hz = Number(values.hz ?? '1');
    if (durationMs === null || durationMs <= 0) return fail(`--duration "${values.duration}" is not a duration such as 30s or 2m`);
    if (pressEveryMs === null || pressEveryMs <= 0) return fail(`--press-every "${values['press-every']}" is not a duration such as 30s`);
    if (!(hz > 0 && hz <= 60)) return fail(`--hz must be a number in (0, 60], got "${values.hz}"`);
    if (values['print-devices']) {
      for (const id of loadDeviceIds(residents)) say(id);
      return 0;
    }
    return runLoadMode({ residents, durationMs, pressEveryMs, hz, hubBroker: values['hub-broker'], password: values.password ?? process.env.SIM_LOAD_PASSWORD ?? 'load', logger });
  }

  if (values.wearable !== undefined || values.sisfall !== undefined) {
    if (values.wearable === undefined || values.sisfall === undefined) return fail('--wearable ID and --sisfall FILE go together');
    const password = process.env.SIM_WEARABLE_PASSWORD ?? values.password;
    if (password === undefined) return fail('the wearable needs its MQTT password: SIM_WEARABLE_PASSWORD or --password');
    return runWearableMode({ deviceId: values.wearable, file: values.sisfall, realTime: values['real-time'] ?? false, hubBroker: values['hub-broker'], password, logger });
  }

  if (positionals.length !== 1) return fail(positionals.length === 0 ? 'name a scenario file, or use --load N' : `one scenario file, got ${positionals.length}`);
  const file = positionals[0]!;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return fail(`cannot read ${file}: ${(err as Error).message}`);
  }
  let scenario;
  try {
    scenario = parseScenarioYaml(text, file);
  } catch (err) {
    if (err instanceof ScenarioFileError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }

  let local: LocalBroker | null = null;
  const needsBroker = scenario.devices.some((d) => d.type === 'mqtt-call-point' || d.type === 'zigbee2mqtt');
  let hubBroker = values['hub-broker'];
  if (needsBroker && hubBroker === undefined) {
    local = await startLocalBroker();
    hubBroker = local.url;
    say(`No --hub-broker: MQTT devices publish to a local broker at ${hubBroker}`);
  }
  const central = new SimulatedCentral();
  let runtime;
  try {
    runtime = await createScenarioRuntime(scenario, {
      binding: createSerialportBinding(),
      clock: systemClock,
      ...(hubBroker !== undefined && { hubBroker }),
      zigbee2mqtt: {
        ...(values['base-topic'] !== undefined && { baseTopic: values['base-topic'] }),
        ...(values['z2m-user'] !== undefined && { username: values['z2m-user'] }),
        ...(process.env.SIM_Z2M_PASSWORD !== undefined && { password: process.env.SIM_Z2M_PASSWORD }),
      },
      bleCentral: central,
      logger,
    });
  } catch (err) {
    await local?.close();
    if (err instanceof ScenarioRuntimeError) return fail(err.message);
    process.stderr.write(`sim: cannot set up the devices: ${(err as Error).message}\n`);
    return 1;
  }
  const player = createScenarioPlayer(scenario, runtime.sims, {
    clock: systemClock,
    logger,
    onStep: (step, index) => say(`${fmt(step.at)}  #${index} ${step.do}${'device' in step ? ` ${step.device}` : ''}${'resident' in step ? ` ${step.resident}` : ''}${step.do === 'log' ? `: ${step.message}` : ''}`),
    onError: (step, index, err) => say(`${fmt(step.at)}  #${index} ${step.do} FAILED: ${err.message}`),
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    player.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    say(`Scenario: ${scenario.name ?? file}`);
    for (const s of runtime.serial) say(`  ${s.deviceId} (${s.type}): hub port ${s.hubPath}`);
    if (runtime.ble.length > 0) say(`  ${runtime.ble.length} BLE device(s) on the in-process simulated radio (no hub process can reach them)`);
    try {
      await runtime.start();
    } catch (err) {
      process.stderr.write(`sim: cannot start the devices: ${(err as Error).message}\n`);
      return 1;
    }
    const result = await player.run();
    say(`Done: ${result.executed} step(s) run, ${result.failed.length} failed.`);
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    await runtime.close();
    await local?.close();
  }
}

async function runLoadMode(o: { residents: number; durationMs: number; pressEveryMs: number; hz: number; hubBroker: string | undefined; password: string; logger: pino.Logger }): Promise<number> {
  const local = o.hubBroker === undefined ? await startLocalBroker() : null;
  const url = o.hubBroker ?? local!.url;
  if (local) say(`No --hub-broker: load goes to a local broker at ${url}`);
  say(`Load: ${o.residents} resident(s), ${o.residents * 2} MQTT clients, ${fmt(o.durationMs)}`);
  try {
    const summary = await runLoad({
      url,
      residents: o.residents,
      durationMs: o.durationMs,
      password: o.password,
      telemetryHz: o.hz,
      pressEveryMs: o.pressEveryMs,
      logger: o.logger,
      onProgress: (p) => say(`${fmt(p.elapsedMs)}  sent ${p.sent}  acked ${p.acked}  failed ${p.failed}  ${p.perSecond.toFixed(0)} msg/s`),
    });
    say(
      `Summary: ${summary.telemetrySent} telemetry + ${summary.callsSent} call messages in ${(summary.elapsedMs / 1000).toFixed(1)} s ` +
        `= ${summary.messagesPerSecond.toFixed(1)} msg/s; acked ${summary.acked}, failed ${summary.failed}` +
        (local ? `; the broker received ${local.received}` : ''),
    );
    return summary.failed > 0 ? 1 : 0;
  } catch (err) {
    process.stderr.write(`sim: load failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await local?.close();
  }
}

/** Replays one SisFall recording from a simulated wearable (docs/firmware-sim.md#wearable). */
async function runWearableMode(o: { deviceId: string; file: string; realTime: boolean; hubBroker: string | undefined; password: string; logger: pino.Logger }): Promise<number> {
  const local = o.hubBroker === undefined ? await startLocalBroker() : null;
  const url = o.hubBroker ?? local!.url;
  if (local) say(`No --hub-broker: the wearable publishes to a local broker at ${url}`);
  const sim = createWearableSim({ url, deviceId: o.deviceId, password: o.password, logger: o.logger });
  try {
    await sim.connect();
    const started = Date.now();
    const sent = await sim.replaySisFall(o.file, { realTime: o.realTime });
    say(`Wearable ${o.deviceId}: ${sent.samples} samples of ${o.file} in ${sent.batches} batches, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (err) {
    process.stderr.write(`sim: wearable failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await sim.close();
    await local?.close();
  }
}

/** 125000 → "2m05s" */
function fmt(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

process.exitCode = await main(process.argv.slice(2));
