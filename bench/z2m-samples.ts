/**
 * The stock zigbee2mqtt payloads of ../shared/data/zigbee2mqtt/payloads.json (read in place), for
 * the fuzz script's mutated phase and the codec benchmark: every payload string in the file
 * (bridge state, availability, device messages). test/protocols/zigbee2mqtt.test.ts reads them here too.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const Z2M_PAYLOADS_FILE = fileURLToPath(new URL('../../shared/data/zigbee2mqtt/payloads.json', import.meta.url));

export interface Z2mSample {
  /** The topic it was published on; null for a captured device state without one. */
  topic: string | null;
  payload: string;
}

// Only the parts read here are checked; every entry carries more (sources, notes).
const text = z.unknown().optional();
const Entry = z.looseObject({ topic: z.string().nullish(), payload: text, alt_payload: text, payload_excerpt: text, payload_variants: z.array(z.unknown()).nullish() });
const File = z.looseObject({
  bridge_state: z.array(Entry),
  availability: z.array(Entry),
  devices: z.array(z.looseObject({ messages: z.array(z.looseObject({ state: text, publishes: z.array(z.looseObject({ topic: z.string(), payload: text, payload_truncated: text })).nullish() })).nullish() })),
});

export function loadZ2mSamples(file = Z2M_PAYLOADS_FILE): Z2mSample[] {
  const parsed = File.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  const data = parsed.data;
  const out: Z2mSample[] = [];
  const add = (topic: string | null | undefined, payload: unknown): void => {
    if (typeof payload === 'string') out.push({ topic: topic ?? null, payload });
  };
  for (const e of data.bridge_state) {
    add(e.topic, e.payload);
    add(e.topic, e.alt_payload);
  }
  for (const e of data.availability) {
    add(e.topic, e.payload);
    add(e.topic, e.payload_excerpt);
    for (const v of e.payload_variants ?? []) add(e.topic, v);
  }
  for (const device of data.devices) {
    for (const m of device.messages ?? []) {
      add(null, m.state);
      for (const p of m.publishes ?? []) {
        add(p.topic, p.payload);
        add(p.topic, p.payload_truncated);
      }
    }
  }
  return out;
}

/** Device state payloads only (what `<base>/<friendly_name>` carries): the decoder's everyday input. */
export function isDeviceState(s: Z2mSample): boolean {
  return s.topic === null || (s.topic.startsWith('zigbee2mqtt/') && !s.topic.startsWith('zigbee2mqtt/bridge/') && !/\/(availability|action|click|set|get)$/.test(s.topic));
}
