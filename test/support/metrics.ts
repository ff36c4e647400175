/**
 * The value of one series of a node's Prometheus `/metrics` (0 when the series is absent): the
 * metric's name and every label given must match.
 */
export async function metricValue(
  nodeUrl: string,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const text = await (await fetch(`${nodeUrl}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && wanted.every((label) => l.includes(label)));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** How often a node parked a message of `type` that arrived before its predecessor. */
export const parkedCount = (nodeUrl: string, type: string) =>
  metricValue(nodeUrl, 'idcard_messages_processed_total', { type, outcome: 'out-of-order' });
