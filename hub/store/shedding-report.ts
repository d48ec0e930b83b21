/**
 * The `outbox-shed` event a shedding step writes (docs/disk-budget.md#what-the-relay-is-told): what
 * was removed, of what kinds, from when to when, and the exact seqs. Pure.
 */
import type { Event, EventDraft } from '../../protocols/event.ts';
import { seqRuns } from './shedding-summaries.ts';

export type OutboxShedDraft = Extract<EventDraft, { kind: 'outbox-shed' }>;

export interface ShedReportInput {
  action: 'thinned' | 'dropped';
  /** the events removed from the outbox (raw readings when thinned) */
  removed: readonly Pick<Event, 'seq' | 'kind' | 'hubTime' | 'payload'>[];
  summaries: number;
  bytesFreed: number;
  budgetBytes: number;
}

/** Null when nothing was removed. */
export function shedReport(input: ShedReportInput): OutboxShedDraft | null {
  if (input.removed.length === 0) return null;
  /** removed counts keyed by kind, and by `reading:<metric>` for readings */
  const byKind: Record<string, number> = {};
  let from = Infinity;
  let to = -Infinity;
  for (const event of input.removed) {
    byKind[event.kind] = (byKind[event.kind] ?? 0) + 1;
    if (event.kind === 'reading' || event.kind === 'reading-summary') {
      const key = `${event.kind}:${(event.payload as { metric: string }).metric}`;
      byKind[key] = (byKind[key] ?? 0) + 1;
    }
    const at = Date.parse(event.hubTime);
    if (at < from) from = at;
    if (at > to) to = at;
  }
  return {
    kind: 'outbox-shed',
    payload: {
      action: input.action,
      events: input.removed.length,
      summaries: input.summaries,
      byKind,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      seqs: seqRuns(input.removed.map((e) => e.seq).sort((a, b) => a - b)),
      bytesFreed: Math.max(0, Math.round(input.bytesFreed)),
      budgetBytes: input.budgetBytes,
    },
  };
}
