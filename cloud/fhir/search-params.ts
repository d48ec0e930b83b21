/**
 * Search parameter parsing (http://hl7.org/fhir/R4/search.html), pure. Unknown parameters are
 * refused with 400 rather than ignored: a client that filters on something we do not implement must
 * not receive unfiltered records believing they are filtered (the CapabilityStatement lists what is).
 */
import { z } from 'zod';
import { invalidParam } from './outcome.ts';
import type { FhirResourceType, SearchRequest } from './types.ts';

export const DEFAULT_COUNT = 20;
/** Pages are bounded so one request cannot pull a resident's years of readings at once; larger asks are cut to this (FHIR lets the server return fewer). */
export const MAX_COUNT = 200;
export const CURSOR_PARAM = '_cursor';

const CountValue = z.coerce.number().int().min(1);

/** Names every type accepts besides its own parameters. */
const RESULT_PARAMS = new Set(['_count', '_sort', CURSOR_PARAM]);

export function parseSearch(def: FhirResourceType, query: URLSearchParams): SearchRequest {
  const params = new Map<string, string[]>();
  let count = DEFAULT_COUNT;
  let sort: string | undefined;
  let cursor: string | undefined;
  for (const [name, value] of query) {
    if (name === '_count') {
      const parsed = CountValue.safeParse(value);
      if (!parsed.success) throw invalidParam('_count', `"${value}" is not a whole number of at least 1`);
      count = Math.min(parsed.data, MAX_COUNT);
    } else if (name === '_sort') {
      if (!def.sorts?.includes(value)) throw invalidParam('_sort', `"${value}" is not supported for ${def.type}; supported: ${def.sorts?.join(', ') || 'none'}`);
      sort = value;
    } else if (name === CURSOR_PARAM) {
      cursor = value;
    } else if (Object.hasOwn(def.searchParams, name)) {
      if (value === '') throw invalidParam(name, 'empty value');
      params.set(name, [...(params.get(name) ?? []), value]);
    } else {
      const known = [...Object.keys(def.searchParams), ...RESULT_PARAMS].join(', ');
      throw invalidParam(name, `not supported for ${def.type} (supported: ${known})`);
    }
  }
  return { params, count, sort: sort ?? def.sorts?.[0], cursor };
}

/** A half-open instant range [from, to); either end open. */
export interface InstantRange {
  from?: Date;
  to?: Date;
}

// YYYY, YYYY-MM, YYYY-MM-DD, or a dateTime with at least minutes and a zone (http://hl7.org/fhir/R4/search.html#date).
const DATE_VALUE = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

/** The instants a date search value covers: a day covers the whole day (UTC), a second the whole second. */
function coveredRange(m: RegExpExecArray): { start: Date; end: Date } | undefined {
  const [, , y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  if (mo === undefined) return { start: new Date(Date.UTC(year, 0, 1)), end: new Date(Date.UTC(year + 1, 0, 1)) };
  const month = Number(mo) - 1;
  if (month > 11) return undefined;
  if (d === undefined) return { start: new Date(Date.UTC(year, month, 1)), end: new Date(Date.UTC(year, month + 1, 1)) };
  const day = Number(d);
  if (day < 1 || new Date(Date.UTC(year, month, day)).getUTCMonth() !== month) return undefined;
  if (h === undefined) return { start: new Date(Date.UTC(year, month, day)), end: new Date(Date.UTC(year, month, day + 1)) };
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ?? ''}${zone}`;
  const start = new Date(iso);
  if (Number.isNaN(start.getTime()) || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return undefined;
  const precisionMs = frac !== undefined ? 1 : s !== undefined ? 1000 : 60_000;
  return { start, end: new Date(start.getTime() + precisionMs) };
}

/** Intersects every `date=` value into one range. Prefixes eq, ge, gt, le, lt; others are refused. */
export function parseDateRange(name: string, values: readonly string[]): InstantRange {
  let from: Date | undefined;
  let to: Date | undefined;
  const raise = (d: Date) => (from = from === undefined || d > from ? d : from);
  const lower = (d: Date) => (to = to === undefined || d < to ? d : to);
  for (const value of values) {
    const m = DATE_VALUE.exec(value);
    const range = m ? coveredRange(m) : undefined;
    if (!m || !range) throw invalidParam(name, `"${value}" is not a date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss]±zone, with an optional prefix eq, ge, gt, le, lt)`);
    const prefix = m[1] ?? 'eq';
    switch (prefix) {
      case 'eq':
        raise(range.start);
        lower(range.end);
        break;
      case 'ge':
        raise(range.start);
        break;
      case 'gt':
        raise(range.end);
        break;
      case 'le':
        lower(range.end);
        break;
      case 'lt':
        lower(range.start);
        break;
      default:
        throw invalidParam(name, `prefix "${prefix}" is not supported (eq, ge, gt, le, lt are)`);
    }
  }
  return { ...(from && { from }), ...(to && { to }) };
}

export interface Token {
  /** undefined: any system (`code`); '' : no system (`|code`). */
  system: string | undefined;
  code: string;
}

/** `[system|]code`, comma-separated alternatives (OR) (http://hl7.org/fhir/R4/search.html#token). */
export function parseTokens(name: string, value: string): Token[] {
  return value.split(',').map((one) => {
    const bar = one.indexOf('|');
    const token = bar < 0 ? { system: undefined, code: one } : { system: one.slice(0, bar), code: one.slice(bar + 1) };
    if (token.code === '') throw invalidParam(name, `"${one}" has no code`);
    return token;
  });
}

/** `Type/id` or a bare `id` for a reference to `type`. */
export function parseReferenceId(name: string, type: string, value: string): string {
  const id = value.startsWith(`${type}/`) ? value.slice(type.length + 1) : value;
  if (id.includes('/') || id === '') throw invalidParam(name, `"${value}" is not a reference to a ${type} (${type}/{id} or {id})`);
  return id;
}

/** Cursors are opaque to clients: JSON, base64url. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor<T>(schema: z.ZodType<T>, cursor: string): T {
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch (err) {
    throw invalidParam(CURSOR_PARAM, 'not a cursor this server issued (take the next link as it is)');
  }
}
