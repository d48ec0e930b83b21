/**
 * Encode → decode round trips over each characteristic's value space, special values included
 * (fast-check): what a simulated device encodes, the codec decodes to the same values, and the
 * bytes re-encode identically. Also: every registered codec has an arbitrary here.
 */
import t from 'tap';
import fc from 'fast-check';
import { GATT_CODECS } from '../../../protocols/gatt/index.ts';
import { decodeRacpRequest, encodeRacpRequest, type RacpRequest } from '../../../protocols/gatt/record-access-control-point.ts';
import { dateTimeArb, VALUE_ARBITRARIES } from './arbitraries.ts';

/** Every key of `want` (recursively) has the same value in `got`; `got` may carry more (flags, names, readings). */
function covers(got: unknown, want: unknown): boolean {
  if (want === null || typeof want !== 'object') return Object.is(got, want);
  if (got === null || typeof got !== 'object') return false;
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => covers(got[i], w));
  return Object.entries(want).every(([k, w]) => covers((got as Record<string, unknown>)[k], w));
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

t.test('every registered codec has a value arbitrary', async (t) => {
  t.same(GATT_CODECS.filter((c) => !VALUE_ARBITRARIES.has(c.uuid)).map((c) => c.id), []);
});

for (const codec of GATT_CODECS) {
  const arb = VALUE_ARBITRARIES.get(codec.uuid);
  t.test(`${codec.name}: decode(encode(v)) = v and encode(decode(b)) = b`, { skip: arb ? false : 'no arbitrary' }, async (t) => {
    t.doesNotThrow(() =>
      fc.assert(
        fc.property(arb!, (v) => {
          const bytes = codec.encode(v);
          const decoded = codec.decode(bytes);
          if (!covers(decoded, v)) throw new Error(`decoded ${JSON.stringify(decoded)} lost ${JSON.stringify(v)}`);
          if (!sameBytes(codec.encode(decoded), bytes)) throw new Error('re-encoding changed the bytes');
          for (const r of decoded.readings) {
            // A special value or an unsuccessful measurement is never a number.
            if ((r.value === null) !== (r.reason !== undefined)) throw new Error(`reading ${JSON.stringify(r)}: value and reason disagree`);
            if (r.value !== null && !Number.isFinite(r.value) && Math.abs(r.value) !== Infinity) throw new Error(`reading ${JSON.stringify(r)} is NaN`);
          }
        }),
        { numRuns: 400 },
      ),
    );
  });
}

t.test('RACP requests round-trip (the hub side encodes, the simulator decodes)', async (t) => {
  const recordOp = fc.constantFrom('report-stored-records' as const, 'delete-stored-records' as const, 'report-number-of-stored-records' as const);
  const u16 = fc.integer({ min: 0, max: 0xffff });
  const filter = fc.oneof(
    fc.record({ type: fc.constant('sequence-number' as const), min: u16, max: u16 }),
    fc.record({ type: fc.constant('user-facing-time' as const), min: dateTimeArb, max: dateTimeArb }),
  );
  const request: fc.Arbitrary<RacpRequest> = fc.oneof(
    fc.constant({ opCode: 'abort-operation' as const }),
    fc.record({ opCode: recordOp, operator: fc.constantFrom('all' as const, 'first' as const, 'last' as const) }),
    fc.record({ opCode: recordOp, operator: fc.constant('within-range' as const), filter }),
    fc.record({ opCode: recordOp, operator: fc.constant('less-or-equal' as const), filter }).map((r) => ({ ...r, filter: { type: r.filter.type, max: r.filter.max } as never })),
    fc.record({ opCode: recordOp, operator: fc.constant('greater-or-equal' as const), filter }).map((r) => ({ ...r, filter: { type: r.filter.type, min: r.filter.min } as never })),
  );
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(request, (req) => JSON.stringify(decodeRacpRequest(encodeRacpRequest(req))) === JSON.stringify(req)),
      { numRuns: 500 },
    ),
  );
});
