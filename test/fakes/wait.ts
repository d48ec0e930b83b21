/** Waiting helpers: they wait for a condition, never assert on elapsed time. */

/** Yields to the event loop until `predicate` holds; for in-process fakes, where no real I/O is pending. */
export async function until(predicate: () => boolean, what = 'condition', turns = 5000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting for ${what} after ${turns} event-loop turns`);
}

/** Polls `predicate` while real I/O (PTY, sockets) happens; `limitMs` only bounds a hang. */
export async function eventually(predicate: () => boolean, what = 'condition', limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** As `eventually`, for a condition that needs an await (e.g. reading the outbox). */
export async function eventuallyAsync(predicate: () => Promise<boolean>, what = 'condition', limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
