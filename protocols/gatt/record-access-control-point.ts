/**
 * Record Access Control Point 0x2A52 as the Glucose Service ("GLS") uses it to fetch stored
 * records (layout in the GATT Specification Supplement, "GSS"). The hub writes requests and gets
 * responses back as indications; stored records arrive meanwhile as Glucose Measurement
 * notifications. The registry entry decodes what the hub receives (responses); the request
 * encoder is exported beside it, and the request decoder / response encoder serve the simulator.
 * docs/gatt.md.
 */
import { ByteReader, ByteWriter, type DateTime } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import { GattDecodeError, GattEncodeError } from './errors.ts';
import type { GattReading } from './readings.ts';

export const RECORD_ACCESS_CONTROL_POINT_UUID = 0x2a52;

/** [GSS RACP, Op Code] Keyed by name. */
export const RACP_OP_CODES = {
  'report-stored-records': 1,
  'delete-stored-records': 2,
  'abort-operation': 3,
  'report-number-of-stored-records': 4,
  'number-of-stored-records-response': 5,
  'response-code': 6,
} as const;
/** [GSS RACP, Operator] Keyed by name. */
export const RACP_OPERATORS = {
  null: 0,
  all: 1,
  'less-or-equal': 2,
  'greater-or-equal': 3,
  'within-range': 4,
  first: 5,
  last: 6,
} as const;
/** [GLS, RACP filter types] Keyed by name. */
export const RACP_FILTER_TYPES = { 'sequence-number': 1, 'user-facing-time': 2 } as const;
/** [GSS RACP, Response Code Values] Keyed by code. */
export const RACP_RESPONSE_CODES: Readonly<Record<number, string>> = {
  1: 'success',
  2: 'op-code-not-supported',
  3: 'invalid-operator',
  4: 'operator-not-supported',
  5: 'invalid-operand',
  6: 'no-records-found',
  7: 'abort-unsuccessful',
  8: 'procedure-not-completed',
  9: 'operand-not-supported',
};

export type RacpRecordOpCode = 'report-stored-records' | 'delete-stored-records' | 'report-number-of-stored-records';
export type RacpFilter =
  | { type: 'sequence-number'; min?: number; max?: number }
  | { type: 'user-facing-time'; min?: DateTime; max?: DateTime };

export type RacpRequest =
  | { opCode: RacpRecordOpCode; operator: 'all' | 'first' | 'last' }
  | { opCode: RacpRecordOpCode; operator: 'less-or-equal' | 'greater-or-equal' | 'within-range'; filter: RacpFilter }
  | { opCode: 'abort-operation' };

export type RacpResponse =
  | { opCode: 'number-of-stored-records-response'; count: number }
  | { opCode: 'response-code'; requestOpCode: number; responseCode: number };

export type RacpResponseDecoded = RacpResponse & { requestOpCodeName?: string; responseCodeName?: string; readings: GattReading[] };

const nameOf = <T extends Record<string, number>>(table: T, code: number): keyof T | undefined =>
  (Object.keys(table) as (keyof T)[]).find((k) => table[k] === code);

function writeFilterValue(w: ByteWriter, f: RacpFilter, which: 'min' | 'max'): void {
  const v = f[which];
  if (v === undefined) throw new GattEncodeError(`filter.${which}`, 'missing for this operator');
  if (f.type === 'sequence-number') w.u16(`filter.${which}`, v as number);
  else w.dateTime(`filter.${which}`, v as DateTime);
}

export function encodeRacpRequest(req: RacpRequest): Uint8Array {
  const w = new ByteWriter().u8('opCode', RACP_OP_CODES[req.opCode]);
  if (req.opCode === 'abort-operation') return w.u8('operator', RACP_OPERATORS.null).bytes(); // [GLS RACP] abort takes the Null operator, no operand
  w.u8('operator', RACP_OPERATORS[req.operator]);
  if (!('filter' in req)) return w.bytes(); // all, first, last: no operand
  // [GLS RACP] operand = filter type, then the bound(s): ≤ max, ≥ min, range min then max
  const filter = req.filter;
  w.u8('filter.type', RACP_FILTER_TYPES[filter.type]);
  if (req.operator === 'less-or-equal') writeFilterValue(w, filter, 'max');
  else if (req.operator === 'greater-or-equal') writeFilterValue(w, filter, 'min');
  else {
    writeFilterValue(w, filter, 'min');
    writeFilterValue(w, filter, 'max');
  }
  return w.bytes();
}

export function decodeRacpRequest(bytes: Uint8Array): RacpRequest {
  const r = new ByteReader(bytes, RECORD_ACCESS_CONTROL_POINT_UUID);
  const opCodeRaw = r.u8('opCode');
  const operatorRaw = r.u8('operator');
  const opCode = nameOf(RACP_OP_CODES, opCodeRaw);
  const operator = nameOf(RACP_OPERATORS, operatorRaw);
  if (opCode === 'abort-operation' && operator === 'null') {
    r.end();
    return { opCode };
  }
  if (opCode !== 'report-stored-records' && opCode !== 'delete-stored-records' && opCode !== 'report-number-of-stored-records') {
    throw new GattDecodeError('unknown-op-code', `request op code ${opCodeRaw} with operator ${operatorRaw}`, { uuid: RECORD_ACCESS_CONTROL_POINT_UUID, field: 'opCode' });
  }
  if (operator === 'all' || operator === 'first' || operator === 'last') {
    r.end();
    return { opCode, operator };
  }
  if (operator === undefined || operator === 'null') {
    throw new GattDecodeError('unknown-op-code', `operator ${operatorRaw} for op code ${opCodeRaw}`, { uuid: RECORD_ACCESS_CONTROL_POINT_UUID, field: 'operator' });
  }
  const filterRaw = r.u8('filter.type');
  const type = nameOf(RACP_FILTER_TYPES, filterRaw);
  if (type === undefined) throw r.outOfRange('filter.type', `unknown filter type ${filterRaw}`);
  const read = (which: string) => (type === 'sequence-number' ? r.u16(`filter.${which}`) : r.dateTime(`filter.${which}`));
  const filter = { type } as RacpFilter & { min?: unknown; max?: unknown };
  if (operator === 'less-or-equal') filter.max = read('max');
  else if (operator === 'greater-or-equal') filter.min = read('min');
  else {
    filter.min = read('min');
    filter.max = read('max');
  }
  r.end();
  return { opCode, operator, filter };
}

export function decodeRacpResponse(bytes: Uint8Array): RacpResponseDecoded {
  const r = new ByteReader(bytes, RECORD_ACCESS_CONTROL_POINT_UUID);
  const opCodeRaw = r.u8('opCode');
  const operatorRaw = r.u8('operator');
  if (operatorRaw !== RACP_OPERATORS.null) throw r.outOfRange('operator', `responses carry the Null operator, got ${operatorRaw}`); // [GLS RACP]
  if (opCodeRaw === RACP_OP_CODES['number-of-stored-records-response']) {
    const count = r.u16('count'); // [GLS RACP] uint16 number of records
    r.end();
    return { opCode: 'number-of-stored-records-response', count, readings: [] };
  }
  if (opCodeRaw === RACP_OP_CODES['response-code']) {
    const requestOpCode = r.u8('requestOpCode'); // [GSS RACP] operand: request op code, response code value
    const responseCode = r.u8('responseCode');
    r.end();
    const requestOpCodeName = nameOf(RACP_OP_CODES, requestOpCode) ?? 'reserved';
    return { opCode: 'response-code', requestOpCode, responseCode, requestOpCodeName, responseCodeName: RACP_RESPONSE_CODES[responseCode] ?? 'reserved', readings: [] };
  }
  throw new GattDecodeError('unknown-op-code', `response op code ${opCodeRaw}`, { uuid: RECORD_ACCESS_CONTROL_POINT_UUID, field: 'opCode' });
}

export function encodeRacpResponse(res: RacpResponse): Uint8Array {
  const w = new ByteWriter().u8('opCode', RACP_OP_CODES[res.opCode]).u8('operator', RACP_OPERATORS.null);
  if (res.opCode === 'number-of-stored-records-response') return w.u16('count', res.count).bytes();
  return w.u8('requestOpCode', res.requestOpCode).u8('responseCode', res.responseCode).bytes();
}

export const recordAccessControlPoint: GattCodec<RacpResponse, RacpResponseDecoded> = {
  uuid: RECORD_ACCESS_CONTROL_POINT_UUID,
  id: 'record-access-control-point',
  name: 'Record Access Control Point',
  decode: decodeRacpResponse,
  encode: encodeRacpResponse,
};
