/** Opaque page cursors: base64url JSON of the last item's sort key, checked on the way back in. */
import type { z } from 'zod';
import { ProblemError } from '../../errors.ts';

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw new ProblemError('invalid-request', 'cursor is not one this API handed out', { errors: [{ path: 'cursor', message: 'invalid' }] });
  return result.data;
}
