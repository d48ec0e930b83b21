/** A minimal Server-Sent Events reader over fetch, for tests and the latency benchmark. */
export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

export interface SseClient {
  /** Resolves with the first message (already received or future) matching `predicate`. */
  next(predicate: (m: SseMessage) => boolean, what?: string, limitMs?: number): Promise<SseMessage>;
  onMessage(cb: (m: SseMessage) => void): void;
  readonly messages: SseMessage[];
  close(): void;
}

/** `cookie`: the panel admits a signed-in staff member or a paired display (test/support/panel-auth.ts). */
export async function connectSse(url: string, cookie?: string): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...(cookie && { cookie }) }, signal: abort.signal });
  if (!res.ok || !res.body) throw new Error(`SSE ${url} answered ${res.status}`);
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  const listeners: Array<(m: SseMessage) => void> = [];
  (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const msg: SseMessage = { event: 'message', data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const [field, ...rest] = line.split(':');
          const value = rest.join(':').replace(/^ /, '');
          if (field === 'event') msg.event = value;
          else if (field === 'data') data.push(value);
          else if (field === 'id') msg.id = value;
        }
        if (data.length === 0) continue;
        msg.data = data.join('\n');
        messages.push(msg);
        for (const l of listeners) l(msg);
        for (const w of waiters) w();
      }
    }
  })().catch(() => undefined);
  return {
    messages,
    onMessage: (cb) => listeners.push(cb),
    next(predicate, what = 'SSE message', limitMs = 10_000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < messages.length; seen++) {
            if (predicate(messages[seen]!)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(messages[seen]!);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`gave up waiting for ${what}`));
        }, limitMs);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
