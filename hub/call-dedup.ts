/**
 * Drops repeated call-point events by the call point's own sequence number.
 * Receivers repeat RF frames and zigbee2mqtt can deliver an action twice
 * (z2m#32015); the seq is 16-bit and wraps, so a repeat counts only inside a window.
 */
export class CallDedup {
  /** last-seen time in ms, keyed by `${deviceId}#${seq}` (Map keeps insertion order for pruning) */
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** True when this (device, seq) was remembered within the window. */
  isDuplicate(deviceId: string, seq: number, now: number): boolean {
    this.prune(now);
    const at = this.seen.get(`${deviceId}#${seq}`);
    return at !== undefined && now - at < this.windowMs;
  }

  remember(deviceId: string, seq: number, now: number): void {
    const key = `${deviceId}#${seq}`;
    this.seen.delete(key); // re-insert at the end, keeping the Map in time order for prune()
    this.seen.set(key, now);
  }

  forget(deviceId: string, seq: number): void {
    this.seen.delete(`${deviceId}#${seq}`);
  }

  private prune(now: number): void {
    for (const [key, at] of this.seen) {
      if (now - at < this.windowMs) break;
      this.seen.delete(key);
    }
  }
}
