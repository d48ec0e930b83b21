/**
 * PostgreSQL constraint failures (both stores report the SQLSTATE in `code`) turned into the
 * problem a client can act on, instead of a 500: a reference to a room/bed/resident that is not
 * the caller's, or a second record with a unique value.
 */
import { ProblemError } from '../../errors.ts';

const FOREIGN_KEY_VIOLATION = '23503';
const UNIQUE_VIOLATION = '23505';

export function constraintProblem(err: unknown, messages: { reference: string; duplicate: string }): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === FOREIGN_KEY_VIOLATION) return new ProblemError('invalid-request', messages.reference, { cause: err });
  if (code === UNIQUE_VIOLATION) return new ProblemError('conflict', messages.duplicate, { cause: err });
  return err;
}
