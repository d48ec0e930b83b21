/** A tiny Prometheus text-format registry: counters and gauges, labels optional. */
type Labels = Record<string, string>;

interface Series {
  help: string;
  type: 'counter' | 'gauge';
  /** keyed by the rendered label set, e.g. `{code="bad-crc"}` */
  values: Map<string, number>;
  collect?: () => number | Array<[Labels, number]>;
}

export interface Metrics {
  inc(name: string, labels?: Labels, by?: number): void;
  /** Declare a series; `collect` is read at render time (for values other components own). */
  define(name: string, type: 'counter' | 'gauge', help: string, collect?: Series['collect']): void;
  get(name: string, labels?: Labels): number;
  render(): string;
}

export function createMetrics(prefix = 'carehub_hub_'): Metrics {
  /** keyed by metric name without prefix */
  const series = new Map<string, Series>();
  const ensure = (name: string, type: Series['type']) => {
    let s = series.get(name);
    if (!s) {
      s = { help: name, type, values: new Map() };
      series.set(name, s);
    }
    return s;
  };
  return {
    define(name, type, help, collect) {
      const s = ensure(name, type);
      s.help = help;
      s.type = type;
      if (collect) s.collect = collect;
    },
    inc(name, labels = {}, by = 1) {
      const s = ensure(name, 'counter');
      const key = labelKey(labels);
      s.values.set(key, (s.values.get(key) ?? 0) + by);
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
