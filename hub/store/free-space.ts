/**
 * Probes the free space of the data folder's filesystem (docs/disk-budget.md#free-space), so the
 * disk budget comes down when the disk could not hold it: on a timer, after the outbox grew by a
 * quarter of the margin since the last probe, and at once after a write failed (disk-full.ts).
 * The probe itself is injected: tests hand it a fake filesystem.
 */
import { statfs } from 'node:fs/promises';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { diskAwareLimits, type BudgetLimits, type DiskSpace } from './budget-policy.ts';

/** What fs.statfs reports that matters here: blocks free to an unprivileged writer, and their size. */
export type StatfsProbe = (path: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>;

export interface FreeSpaceOptions {
  /** a folder on the filesystem to watch (the hub's dataDir) */
  path: string;
  /** the outbox's bytes now (BudgetStore.bytes().total) */
  usedBytes: () => number;
  marginBytes: number;
  logger: Logger;
  metrics?: Metrics;
  /** told after each successful probe (the hub re-checks the budget when the one in force changed) */
  onProbe?: () => void;
  statfs?: StatfsProbe;
  /** default 2,000 ms */
  intervalMs?: number;
}

export class FreeSpaceWatch {
  private disk: DiskSpace | null = null;
  private timer: NodeJS.Timeout | null = null;
  private probing: Promise<void> | null = null;
  private failed = false;
  private readonly statfs: StatfsProbe;

  constructor(private readonly options: FreeSpaceOptions) {
    this.statfs = options.statfs ?? ((path) => statfs(path));
    options.metrics?.define('store_disk_free_bytes', 'gauge', "Bytes free to the hub on the data folder's filesystem at the last probe", () => this.disk?.freeBytes ?? 0);
  }

  async start(): Promise<void> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), this.options.intervalMs ?? 2_000);
    // A timer alone must not keep the process up.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The last probe's picture (null before the first succeeded). */
  space(): DiskSpace | null {
    return this.disk ? { ...this.disk } : null;
  }

  /** The configured limits, lowered to what the disk can hold. */
  limits(configured: BudgetLimits): BudgetLimits {
    return diskAwareLimits(configured, this.disk);
  }

  /** The outbox grew: probe again once it grew by a quarter of the margin (statfs is cheap, not free). */
  grew(): void {
    if (!this.disk) return;
    if (this.options.usedBytes() - this.disk.usedBytes > this.options.marginBytes / 4) void this.probe();
  }

  /** Probes now; concurrent callers share one probe. A failed probe keeps the last picture. */
  probe(): Promise<void> {
    this.probing ??= this.probeOnce().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  private async probeOnce(): Promise<void> {
    try {
      const usedBytes = this.options.usedBytes();
      const fs = await this.statfs(this.options.path);
      const freeBytes = Number(fs.bavail) * Number(fs.bsize);
      this.disk = { usedBytes, freeBytes, marginBytes: this.options.marginBytes };
      this.failed = false;
    } catch (err) {
      if (!this.failed) this.options.logger.warn({ err, path: this.options.path }, 'free space probe failed; the disk budget keeps its last picture');
      this.failed = true;
      return;
    }
    this.options.onProbe?.();
  }
}
