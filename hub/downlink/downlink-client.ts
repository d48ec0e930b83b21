/**
 * One pull of the hub's own downlink over HTTP (docs/downlink.md#pulling), sorted into one outcome,
 * and the hub's report on a version. The body is parsed as JSON here and validated by the caller,
 * so a document that fails validation can still be reported by its version.
 */
import { DOWNLINK_PATH, DOWNLINK_REPORT_PATH, type DownlinkReport } from '../../protocols/downlink.ts';
import { parseRetryAfter } from '../backoff.ts';
import type { Clock } from '../clock.ts';
import { readBounded } from '../read-bounded.ts';

/** A building's downlink is well under 1 MiB; a body past this is not one and is not read whole. */
const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
/** How much of an unexpected answer is kept for the log and the status. */
const EXCERPT_CHARS = 300;

export type PullFailure = 'network' | 'timeout' | 'busy' | 'refused' | 'not-json' | 'too-large';
export const PULL_FAILURES: readonly PullFailure[] = ['network', 'timeout', 'busy', 'refused', 'not-json', 'too-large'];

export type PullOutcome =
  | { kind: 'document'; etag: string | null; body: unknown }
  | { kind: 'unchanged' }
  /** The relay has no downlink for this hub yet (404). */
  | { kind: 'none' }
  | { kind: 'failed'; reason: PullFailure; message: string; status?: number; retryAfterMs?: number | null };

export interface PullRequest {
  relayUrl: string;
  token: string;
  /** Entity tags the hub already has (applied, or refused): the relay answers 304 for them. */
  known: readonly string[];
  waitSeconds: number;
  /** Give up on a relay that goes silent after this long (ms); covers the long-poll's own wait. */
  stallTimeoutMs: number;
  clock: Clock;
  fetch: typeof fetch;
  /** Aborted by stop(). */
  signal: AbortSignal;
}

export async function pullDownlink(req: PullRequest): Promise<PullOutcome> {
  const url = new URL(DOWNLINK_PATH, req.relayUrl);
  if (req.waitSeconds > 0) url.searchParams.set('wait', String(req.waitSeconds));
  const abort = new AbortController();
  const stopAll = () => abort.abort();
  req.signal.addEventListener('abort', stopAll, { once: true });
  let stalled = false;
  const timer = req.clock.setTimeout(() => {
    stalled = true;
    abort.abort();
  }, req.stallTimeoutMs);
  let res: Response;
  let text: string | null;
  try {
    res = await req.fetch(url, {
      headers: { authorization: `Bearer ${req.token}`, ...(req.known.length > 0 && { 'if-none-match': req.known.join(', ') }) },
      signal: abort.signal,
    });
    const body = await readBounded(res, MAX_DOCUMENT_BYTES);
    text = body.complete ? body.text : null;
  } catch (err) {
    if (stalled) return { kind: 'failed', reason: 'timeout', message: `relay sent nothing for ${req.stallTimeoutMs} ms` };
    return { kind: 'failed', reason: 'network', message: `relay unreachable: ${(err as Error).message}` };
  } finally {
    req.clock.clearTimeout(timer);
    req.signal.removeEventListener('abort', stopAll);
  }
  if (res.status === 304) return { kind: 'unchanged' };
  if (res.status === 404) return { kind: 'none' };
  if (res.status === 429 || res.status >= 500) {
    return { kind: 'failed', reason: 'busy', status: res.status, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), req.clock.now()), message: `relay busy (${res.status})` };
  }
  if (!res.ok) return { kind: 'failed', reason: 'refused', status: res.status, message: `relay refused the pull (${res.status}): ${(text ?? '').slice(0, EXCERPT_CHARS)}` };
  if (text === null) return { kind: 'failed', reason: 'too-large', status: res.status, message: `downlink larger than ${MAX_DOCUMENT_BYTES} bytes` };
  try {
    return { kind: 'document', etag: res.headers.get('etag'), body: JSON.parse(text) };
  } catch {
    return { kind: 'failed', reason: 'not-json', status: res.status, message: `relay answer is not JSON: ${text.slice(0, EXCERPT_CHARS)}` };
  }
}

/** Tells the relay what became of a version. Best effort: the hub's own state does not depend on it. */
export async function reportDownlink(req: Pick<PullRequest, 'relayUrl' | 'token' | 'fetch' | 'signal'>, report: DownlinkReport): Promise<void> {
  const res = await req.fetch(new URL(DOWNLINK_REPORT_PATH, req.relayUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${req.token}` },
    body: JSON.stringify(report),
    signal: req.signal,
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`relay answered ${res.status} to the downlink report`);
}
