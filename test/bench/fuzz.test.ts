/**
 * npm run fuzz (bench/fuzz.ts) at a tiny size, so the script cannot rot: every codec of the three
 * registries is a target with all its phases, flags are checked, and the fuzz's own invariants fail
 * on codecs broken on purpose (a fuzz that cannot fail proves nothing).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { FuzzFailure } from '../../bench/fuzz-phase.ts';
import { gattTarget } from '../../bench/fuzz-gatt.ts';
import { Rng } from '../../bench/fuzz-rng.ts';
import { serialTarget } from '../../bench/fuzz-serial.ts';
import { cms50LegacyCodec, SERIAL_CODECS, type SerialCodec } from '../../protocols/codecs.ts';
import { GATT_CODECS } from '../../protocols/gatt/index.ts';
import { batteryLevel } from '../../protocols/gatt/battery-level.ts';
import type { FuzzTarget } from '../../bench/fuzz-phase.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function fuzz(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/fuzz.ts', ...args], { cwd: ROOT, timeout: 150_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

t.test('a tiny run covers every serial, GATT and zigbee2mqtt codec in every phase and passes', async (t) => {
  const run = await fuzz(['--frames', '300', '--seed', '7']);
  t.equal(run.code, 0, run.stdout + run.stderr);
  const rows = run.stdout.split('\n').map((l) => l.split(/\s{2,}/));
  const phases = (kind: string, codec: string) => rows.filter((r) => r[0] === kind && r[1] === codec).map((r) => r[2]);
  for (const c of SERIAL_CODECS) t.same(phases('serial', c.id), ['valid', 'mutated', 'random', 'direct'], c.id);
  for (const c of GATT_CODECS) t.same(phases('gatt', c.id), ['valid', 'mutated', 'random'], c.id);
  t.same(phases('z2m', 'zigbee2mqtt'), ['stock', 'mutated', 'json', 'random']);
  t.match(run.stdout, /^fuzz: 300 frames per phase, seed 7, \d+ targets/m);
  t.match(run.stdout, /resync 1\/1/, 'the resync check ran');
  t.notMatch(run.stdout, /FAIL/);
});

t.test('--help lists the flags and the targets; bad flags exit 2', async (t) => {
  const help = await fuzz(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--frames N[\s\S]*--seed S[\s\S]*--only NAME[\s\S]*--help/);
  t.match(help.stdout, /Targets: call-frame-v1, /);
  for (const args of [['--frames', '0'], ['--frames', 'many'], ['--only', 'no-such-codec'], ['--bogus']]) {
    const run = await fuzz(args);
    t.equal(run.code, 2, `${args.join(' ')}: ${run.stderr.trim()}`);
    t.equal(run.stdout, '', 'nothing on stdout');
  }
});

t.test('--only by name or kind runs just those', async (t) => {
  const run = await fuzz(['--frames', '50', '--only', 'cms50-v7', '--only', 'z2m']);
  t.equal(run.code, 0, run.stderr);
  const kinds = run.stdout.split('\n').filter((l) => /^(serial|gatt|z2m) /.test(l)).map((l) => l.split(/\s+/).slice(0, 2).join(' '));
  t.same([...new Set(kinds)], ['serial cms50-v7', 'z2m zigbee2mqtt']);
});

/** Runs every phase of a target; returns the first failure's message, or null. */
function failureOf(target: FuzzTarget, frames = 2000): string | null {
  try {
    for (const phase of target.phases(new Rng(3))) phase.run(frames, () => {});
    return null;
  } catch (err) {
    if (err instanceof FuzzFailure) return err.message;
    throw err;
  }
}

/** cms50-legacy through the registry, with one piece broken. */
function brokenSerial(over: Partial<SerialCodec>): FuzzTarget {
  return serialTarget({ ...cms50LegacyCodec, ...over });
}

t.test('the serial invariants catch broken codecs', async (t) => {
  t.equal(failureOf(serialTarget(cms50LegacyCodec)), null, 'the real codec passes');
  t.match(
    failureOf(brokenSerial({ decode: () => { throw new TypeError('oops'); } })),
    /cms50-legacy valid: the decoder threw on a framed frame: TypeError: oops/,
    'a decoder that throws on a framed frame',
  );
  t.match(
    failureOf(brokenSerial({ decode: (f) => { if (f.length !== 5) throw new Error('no code'); return cms50LegacyCodec.decode(f); } })),
    /direct: the decoder threw an error without a code/,
    'a decoder that refuses without a code',
  );
  // A framer that drops the first frame of each push after a push with rejects: after garbage it
  // loses the first valid frame, which no false frame swallowed.
  const forgetful = (): ReturnType<SerialCodec['createFramer']> => {
    const inner = cms50LegacyCodec.createFramer();
    let rejected = 0;
    let lastPushRejected = false;
    return Object.assign(Object.create(inner) as typeof inner, {
      push(chunk: Uint8Array) {
        const out = inner.push(chunk);
        const now = Object.values(inner.rejects).reduce((a, b) => a + b, 0);
        const drop = lastPushRejected;
        lastPushRejected = now > rejected;
        rejected = now;
        return drop ? out.slice(1) : out;
      },
    });
  };
  t.match(failureOf(brokenSerial({ createFramer: forgetful })), /random: the first valid frame after garbage was lost|only the last/, 'no resync after garbage');
  // A framer that emits each frame twice frames bytes it was never given.
  const doubling = (): ReturnType<SerialCodec['createFramer']> => {
    const inner = cms50LegacyCodec.createFramer();
    return Object.assign(Object.create(inner) as typeof inner, { push: (chunk: Uint8Array) => inner.push(chunk).flatMap((f) => [f, f]) });
  };
  t.match(failureOf(brokenSerial({ createFramer: doubling })), /valid: framed \d+ \+ pending \d+ bytes, only \d+ pushed/, 'frames out of nowhere');
});

t.test('the GATT invariants catch broken codecs', async (t) => {
  t.equal(failureOf(gattTarget(batteryLevel)), null, 'the real codec passes');
  t.match(
    failureOf(gattTarget({ ...batteryLevel, decode: (b: Uint8Array) => { if (b.length > 1) throw new RangeError('out of bounds'); return batteryLevel.decode(b); } })),
    /battery-level mutated: decode threw RangeError: out of bounds \(only GattDecodeError is allowed\)/,
    'a stray error type',
  );
  t.match(
    failureOf(gattTarget({ ...batteryLevel, decode: (b: Uint8Array) => ({ ...batteryLevel.decode(b), level: 0 }) })),
    /battery-level valid: decoded .* lost/,
    'a value that does not survive the round trip',
  );
  t.match(
    failureOf(gattTarget({ ...batteryLevel, decode: () => ({ level: 1 }) as never })),
    /battery-level valid: decode returned no readings array/,
    'no readings',
  );
});
