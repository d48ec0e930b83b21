/** Checks Prometheus text for series without a HELP line that says something. */

/**
 * Problems in `text`: a sample or TYPE line whose metric has no HELP, or a HELP that is empty or
 * only repeats the metric's name. An empty list means every exposed metric says what it counts.
 */
export function helpProblems(text: string): string[] {
  const help = new Map<string, string>();
  const used = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const h = /^# HELP (\S+)(?: (.*))?$/.exec(line);
    if (h) {
      help.set(h[1]!, (h[2] ?? '').trim());
      continue;
    }
    const ty = /^# TYPE (\S+) /.exec(line);
    if (ty) {
      used.add(ty[1]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (sample) used.add(sample[1]!);
  }
  const problems: string[] = [];
  for (const name of used) {
    const text = help.get(name);
    if (text === undefined) problems.push(`${name}: no HELP line`);
    else if (text === '' || text === name || text === name.replace(/^carehub_(hub_)?/, '')) problems.push(`${name}: HELP says nothing ("${text}")`);
  }
  return problems;
}
