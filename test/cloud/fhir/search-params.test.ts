/** FHIR search parameter parsing (cloud/fhir/search-params.ts): dates by precision and prefix, tokens, bounds, refusals. */
import t from 'tap';
import { FhirError } from '../../../cloud/fhir/outcome.ts';
import { observation } from '../../../cloud/fhir/resources/observation.ts';
import { decodeCursor, encodeCursor, MAX_COUNT, parseDateRange, parseReferenceId, parseSearch, parseTokens } from '../../../cloud/fhir/search-params.ts';
import { z } from 'zod';

const iso = (r: { from?: Date; to?: Date }) => ({ from: r.from?.toISOString(), to: r.to?.toISOString() });

t.test('date values cover their precision; prefixes bound the range', async (t) => {
  const rows: Array<[string[], { from?: string; to?: string }]> = [
    [['2026-03-01'], { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' }],
    [['2026-03'], { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' }],
    [['2026'], { from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' }],
    [['ge2026-03-01', 'le2026-03-31'], { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' }],
    [['gt2026-03-01', 'lt2026-03-31'], { from: '2026-03-02T00:00:00.000Z', to: '2026-03-31T00:00:00.000Z' }],
    [['ge2026-03-01T08:05+01:00'], { from: '2026-03-01T07:05:00.000Z', to: undefined }],
    [['2026-03-01T08:05:30Z'], { from: '2026-03-01T08:05:30.000Z', to: '2026-03-01T08:05:31.000Z' }],
    // Repeats AND together: the later lower bound and the earlier upper bound win.
    [['ge2026-01-01', 'ge2026-02-01', 'le2026-05-01', 'le2026-04-01'], { from: '2026-02-01T00:00:00.000Z', to: '2026-04-02T00:00:00.000Z' }],
  ];
  for (const [values, want] of rows) t.same(iso(parseDateRange('date', values)), want, values.join('&'));
  for (const bad of ['yesterday', '2026-13-01', '2026-02-30', '2026-03-01T08:05', 'sa2026-01-01', 'ne2026-01-01', '2026-03-01T25:00Z']) {
    t.throws(() => parseDateRange('date', [bad]), FhirError, bad);
  }
});

t.test('tokens, references, cursors', async (t) => {
  t.same(parseTokens('code', 'http://loinc.org|8867-4,9279-1'), [{ system: 'http://loinc.org', code: '8867-4' }, { system: undefined, code: '9279-1' }]);
  t.same(parseTokens('code', '|x'), [{ system: '', code: 'x' }]);
  t.throws(() => parseTokens('code', 'http://loinc.org|'), FhirError);
  t.equal(parseReferenceId('patient', 'Patient', 'Patient/abc'), 'abc');
  t.equal(parseReferenceId('patient', 'Patient', 'abc'), 'abc');
  t.throws(() => parseReferenceId('patient', 'Patient', 'Group/abc'), FhirError);
  const schema = z.object({ n: z.number() });
  t.same(decodeCursor(schema, encodeCursor({ n: 3 })), { n: 3 });
  t.throws(() => decodeCursor(schema, encodeCursor({ n: 'x' })), FhirError, 'a cursor of another shape');
  t.throws(() => decodeCursor(schema, '%%%'), FhirError);
});

t.test('parseSearch: declared parameters only, _count bounded, _sort declared, default sort', async (t) => {
  const q = parseSearch(observation, new URLSearchParams('patient=a&date=ge2026-01-01&date=le2026-02-01&_count=100000'));
  t.equal(q.count, MAX_COUNT, '_count is cut to the bound');
  t.same(q.params.get('date'), ['ge2026-01-01', 'le2026-02-01'], 'repeats kept');
  t.equal(q.sort, '-date', 'newest first by default');
  t.equal(parseSearch(observation, new URLSearchParams('_sort=date')).sort, 'date');
  for (const bad of ['subject=Patient/a', '_count=0', '_count=ten', '_sort=-value', 'patient=', '_format=json']) {
    t.throws(() => parseSearch(observation, new URLSearchParams(bad)), FhirError, bad);
  }
});
