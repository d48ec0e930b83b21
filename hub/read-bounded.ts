/**
 * Reads an HTTP answer's body as text, but no further than `limit` bytes: a relay (or a proxy in
 * front of it) answering far more than the hub asked for must not be read whole into memory.
 */
export interface BoundedBody {
  /** What was read: the whole body when `complete`, else its start (at least `limit` bytes). */
  text: string;
  /** False when `limit` bytes were reached and the rest (if any) was cancelled unread. */
  complete: boolean;
}

export async function readBounded(res: Response, limit: number): Promise<BoundedBody> {
  if (!res.body) return { text: '', complete: true };
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
    if (bytes >= limit) {
      // Stop here: a stalled or endless body past the limit is never waited for.
      await reader.cancel();
      return { text, complete: false };
    }
  }
  return { text: text + decoder.decode(), complete: true };
}
