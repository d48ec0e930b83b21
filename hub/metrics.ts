/**
 * A tiny Prometheus text-format registry: counters and gauges, labels optional.
 *
 * Every series carries a HELP text that says what it counts. Counters the hub increments are listed
 * once in HUB_COUNTERS with that text, and `inc()` accepts only those names, so a counter cannot
 * appear on /metrics without its HELP (a typo is a type error, not a new help-less series).
 * Gauges and counters read from their owner at render time are declared with `define()`, which
 * refuses an empty help. See docs/architecture.md#observability.
 */
type Labels = Record<string, string>;

/** Every counter the hub increments, keyed by name without the `carehub_hub_` prefix, with its HELP text. */
export const HUB_COUNTERS = {
  inputs_total: 'Inputs stored as events, by kind (call-point, reading) and transport (serial, mqtt)',
  inputs_duplicate_total: 'Call-point inputs dropped as repeats of one already stored (same device and device sequence number), by transport',
  rule_retry_failures_total: 'Re-evaluations of a stored input whose rules had failed that failed again (the input is retried on a backoff)',
  inputs_rejected_total: 'Inputs refused before storage (bad payload, unknown device, retained, bad unit ...), by transport and code',
  wearable_samples_total: 'Accelerometer samples from wearables fed to the hub\'s fall detector (never stored), by transport',
  wearable_samples_duplicate_total: 'Wearable accelerometer samples dropped as already seen (a batch delivered twice), by transport',
  wearable_stream_resets_total: 'Times a wearable\'s fall detector started afresh, by reason (restart: its sample counter went back; rate-change)',
  alarms_raised_total: 'Alarms raised, by alarm type and priority',
  alarm_repeats_total: 'Raise commands for an alarm already open, counted on it instead of opening a second one, by alarm type',
  alarm_transitions_total: 'Alarm state changes after raising (acknowledged, resolved), by the state reached',
  forwarded_events_total: 'Events the relay acknowledged and the hub deleted from its outbox',
  forward_failures_total: 'Forwarding rounds whose relay answer was not a full acknowledgement, by reason',
  mqtt_refused_total: 'MQTT connections, logins, publishes and subscriptions the broker refused, by reason',
  mqtt_retain_cleared_total: 'PUBLISH packets (and wills) whose retain flag the broker cleared, so no retained message is stored or replayed',
  panel_refused_total: 'Panel HTTP requests refused, by reason',
  panel_streams_opened_total: 'Panel SSE streams opened since start',
  metrics_undeclared_total: 'Increments of a counter name missing from HUB_COUNTERS (a bug: the value went nowhere else), by name',
} as const satisfies Record<string, string>;

export type HubCounter = keyof typeof HUB_COUNTERS;

export class MetricsError extends Error {
  override readonly name = 'MetricsError';
  readonly code = 'missing-help';
}

interface Series {
  help: string;
  type: 'counter' | 'gauge';
  /** keyed by the rendered label set, e.g. `{code="bad-crc"}` */
  values: Map<string, number>;
  collect?: () => number | Array<[Labels, number]>;
}

export interface Metrics {
  /** Adds to a counter listed in HUB_COUNTERS. */
  inc(name: HubCounter, labels?: Labels, by?: number): void;
  /** Declare a series with what it counts; `collect` is read at render time (for values other components own). Throws on an empty help. */
  define(name: string, type: 'counter' | 'gauge', help: string, collect?: Series['collect']): void;
  get(name: string, labels?: Labels): number;
  render(): string;
}

export function createMetrics(prefix = 'carehub_hub_'): Metrics {
  /** keyed by metric name without prefix */
  const series = new Map<string, Series>();
  for (const [name, help] of Object.entries(HUB_COUNTERS)) series.set(name, { help, type: 'counter', values: new Map() });
  const add = (s: Series, labels: Labels, by: number) => {
    const key = labelKey(labels);
    s.values.set(key, (s.values.get(key) ?? 0) + by);
  };
  return {
    define(name, type, help, collect) {
      if (help.trim() === '') throw new MetricsError(`metric ${prefix}${name} needs a HELP text that says what it counts`);
      const s = series.get(name);
      if (s) {
        s.help = help;
        s.type = type;
        if (collect) s.collect = collect;
      } else {
        series.set(name, collect ? { help, type, values: new Map(), collect } : { help, type, values: new Map() });
      }
    },
    inc(name, labels = {}, by = 1) {
      const s = series.get(name);
      // Only reachable past the type check (a cast, or plain JS): never make a help-less series, never throw on a hot path.
      if (!s) return add(series.get('metrics_undeclared_total')!, { name: String(name) }, by);
      add(s, labels, by);
    },
    get(name, labels = {}) {
      return series.get(name)?.values.get(labelKey(labels)) ?? 0;
    },
    render() {
      const lines: string[] = [];
      for (const [name, s] of series) {
        const full = prefix + name;
        lines.push(`# HELP ${full} ${s.help}`, `# TYPE ${full} ${s.type}`);
        const collected = s.collect?.();
        if (typeof collected === 'number') lines.push(`${full} ${collected}`);
        else if (collected) for (const [labels, v] of collected) lines.push(`${full}${labelKey(labels)} ${v}`);
        for (const [key, v] of s.values) lines.push(`${full}${key} ${v}`);
      }
      return lines.join('\n') + '\n';
    },
  };
}

function labelKey(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}`;
}
