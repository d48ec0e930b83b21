/**
 * npm run bench:wearable — what deciding falls at the hub from wearables' raw accelerometer streams
 * costs (docs/fall-detection.md#wearables-at-the-edge): SisFall recordings as carehub-wearable sends
 * them (AccelBatchMessage JSON, 100 samples a batch), through the model's converter (JSON, zod, counts
 * to g) and WearableFalls (one streaming detector per wearable), for many wearables interleaved. The
 * baseline, in the same run, is JSON.parse of the same payloads alone: what reading the message costs
 * at the least. Rounds alternate and medians are reported, so a drift in the machine's load favours neither.
 *
 * Figures on stdout. Flags: --help.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { carehubWearable } from '../drivers/devices/carehub-wearable.ts';
import type { DeviceInput } from '../drivers/device-input.ts';
import { ADXL345_G_PER_COUNT, parseSisFall } from '../hub/falls/sisfall.ts';
import { WearableFalls } from '../hub/falls/wearable-falls.ts';
import { readFlags as readBenchFlags } from './flags.ts';
import { percentile } from './stats.ts';

const USAGE = `npm run bench:wearable -- [flags]

Samples/s through carehub-wearable's converter and the hub's per-wearable fall detectors, next to
JSON.parse of the same batches alone, alternating, medians over rounds; per-batch cost p50/p99.

  --wearables N  wearables streaming at once, interleaved batch by batch (200)
  --rounds R     rounds; each runs both (7)
  --data DIR     the SisFall sample (../shared/data/falls/sisfall)
  --help         this text
`;

const Flags = z.strictObject({
  wearables: z.coerce.number().int().min(1).max(10_000),
  rounds: z.coerce.number().int().min(1).max(100),
  data: z.string().min(1),
});

const BATCH = 100;
/** Recordings played, one after another on every wearable: jogging (the hardest to tell from a fall), a fall, sitting down hard. */
const TRIALS = ['SA01/D04_SA01_R01.txt', 'SA01/F05_SA01_R01.txt', 'SE01/D10_SE01_R01.txt'];

const say = (line: string) => process.stdout.write(line + '\n');

function payloads(dir: string): Uint8Array[] {
  const encoder = new TextEncoder();
  const out: Uint8Array[] = [];
  let n = 0;
  for (const trial of TRIALS) {
    const g = parseSisFall(readFileSync(join(dir, trial), 'utf8')).adxl;
    const counts = Array.from(g, (v) => Math.round(v / ADXL345_G_PER_COUNT));
    for (let i = 0; i < counts.length / 3; i += BATCH) {
      const xyz = counts.slice(3 * i, 3 * Math.min(counts.length / 3, i + BATCH));
      out.push(encoder.encode(JSON.stringify({ n, hz: 200, range: 16, bits: 13, xyz })));
      n += xyz.length / 3;
    }
  }
  return out;
}

async function main(): Promise<void> {
  const flags = readBenchFlags(
    {
      wearables: { type: 'string', default: '200' },
      rounds: { type: 'string', default: '7' },
      data: { type: 'string', default: resolve(import.meta.dirname, '../../shared/data/falls/sisfall') },
    },
    Flags,
    USAGE,
  );
  if (!flags) return;
  if (!existsSync(join(flags.data, TRIALS[0]!))) {
    process.stderr.write(`no SisFall sample at ${flags.data} (--data DIR)\n`);
    process.exitCode = 2;
    return;
  }
  const batches = payloads(flags.data);
  const samplesPerWearable = batches.length * BATCH;
  const total = samplesPerWearable * flags.wearables;
  const decoder = new TextDecoder();

  function detect(): { ms: number; perBatchUs: number[]; falls: number } {
    const stage = new WearableFalls();
    const perBatchUs: number[] = [];
    let falls = 0;
    const started = performance.now();
    for (const payload of batches) {
      for (let w = 0; w < flags!.wearables; w++) {
        const t0 = performance.now();
        const [input] = carehubWearable.convert('accel', payload);
        falls += stage.push(`wear-${w}`, input as Extract<DeviceInput, { kind: 'accelerometer' }>).falls.length;
        perBatchUs.push((performance.now() - t0) * 1000);
      }
    }
    return { ms: performance.now() - started, perBatchUs, falls };
  }
  function parseOnly(): number {
    let sink = 0;
    const started = performance.now();
    for (const payload of batches) for (let w = 0; w < flags!.wearables; w++) sink += (JSON.parse(decoder.decode(payload)) as { xyz: number[] }).xyz.length;
    if (sink === 0) throw new Error('nothing parsed');
    return performance.now() - started;
  }

  const detectRates: number[] = [];
  const parseRates: number[] = [];
  let costs: number[] = [];
  let falls = 0;
  for (let round = 0; round < flags.rounds; round++) {
    const order = round % 2 === 0 ? ['detect', 'parse'] : ['parse', 'detect'];
    for (const which of order) {
      if (which === 'parse') parseRates.push(total / (parseOnly() / 1000));
      else {
        const r = detect();
        detectRates.push(total / (r.ms / 1000));
        costs = costs.concat(r.perBatchUs);
        falls = r.falls;
      }
    }
  }
  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  const sortedCosts = costs.sort((a, b) => a - b);
  const detectMedian = median(detectRates);
  const parseMedian = median(parseRates);
  const needed = flags.wearables * 200;
  say(`wearable streams: ${flags.wearables} wearables × ${samplesPerWearable} samples (${TRIALS.join(', ')}), batches of ${BATCH}, ${flags.rounds} rounds`);
  say(`falls decided per round: ${falls} (one per wearable: the F05 recording)`);
  say(`convert + detect     median ${Math.round(detectMedian).toLocaleString('en')} samples/s (rounds ${Math.round(Math.min(...detectRates)).toLocaleString('en')}–${Math.round(Math.max(...detectRates)).toLocaleString('en')})`);
  say(`JSON.parse alone     median ${Math.round(parseMedian).toLocaleString('en')} samples/s (baseline)`);
  say(`ratio baseline / convert + detect: ×${(parseMedian / detectMedian).toFixed(2)}`);
  say(`per batch of ${BATCH}: p50 ${percentile(sortedCosts, 50).toFixed(1)} µs, p99 ${percentile(sortedCosts, 99).toFixed(1)} µs`);
  say(`${flags.wearables} wearables at 200 Hz = ${needed.toLocaleString('en')} samples/s: ${((100 * needed) / detectMedian).toFixed(1)} % of one core at the median`);
}

await main();
