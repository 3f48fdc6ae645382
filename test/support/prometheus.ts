/** Reading Prometheus text exposition (tests and benchmarks scrape /metrics). */

/** One sample's value from Prometheus text (`name{labels} value`); undefined when absent. */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [key, value] = line.split(' ');
    if (key === (labels ? `${name}{${labels}}` : name)) return Number(value);
  }
  return undefined;
}

/** Sum of every sample of a counter family (all label sets). */
export function metricSum(text: string, name: string): number {
  let s = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) s += Number(line.split(' ').pop());
  }
  return s;
}
