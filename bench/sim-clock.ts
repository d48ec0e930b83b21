/**
 * A simulated Clock for long simulated runs (bench:alarm-burden): time moves only when the bench says,
 * and due timers fire in time order. A binary heap keeps the next timer cheap to find with thousands
 * pending (every device's supervision deadline), where test/fakes/fake-clock.ts sorts them all each step.
 */
import type { Clock } from '../hub/clock.ts';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class SimClock implements Clock {
  private time: number;
  private nextId = 1;
  /** min-heap by (at, id); cancelled timers stay until they reach the top */
  private readonly heap: Timer[] = [];
  /** ids of timers set and neither fired nor cleared */
  private readonly live = new Set<number>();

  constructor(start: number) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.time + Math.max(0, ms), fn };
    this.live.add(timer.id);
    this.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.live.delete(handle as number);
  }

  /** When the next live timer is due, or Infinity. */
  nextAt(): number {
    this.dropCleared();
    return this.heap[0]?.at ?? Infinity;
  }

  /** Moves to the next timer's time (never backwards) and fires it; false when none is due by `until`. */
  fireNext(until: number): boolean {
    this.dropCleared();
    const top = this.heap[0];
    if (!top || top.at > until) return false;
    this.pop();
    this.live.delete(top.id);
    this.time = Math.max(this.time, top.at);
    top.fn();
    return true;
  }

  /** Moves time forward to `t` (never backwards); due timers are the caller's to fire first. */
  moveTo(t: number): void {
    this.time = Math.max(this.time, t);
  }

  private dropCleared(): void {
    while (this.heap.length > 0 && !this.live.has(this.heap[0]!.id)) this.pop();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.id < b.id);
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
