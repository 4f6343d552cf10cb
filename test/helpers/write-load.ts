/**
 * Continuous kv v2 writes through every node of a test cluster in turn (a standby forwards to the
 * active), each acknowledged write recorded with the time it was answered, so that a test can say
 * how long writes stopped across an event and read every acknowledged write back afterwards.
 */
import type { HaCluster, HaNode } from './ha-cluster.js';

/** One acknowledged write. */
export interface Ack {
  readonly key: string;
  readonly value: string;
  /** Date.now() when the 200 arrived. */
  readonly at: number;
}

/** Writers started by startWriteLoad. */
export interface WriteLoad {
  readonly acks: readonly Ack[];
  /** Answers other than 200, by status ("unreachable" for no answer). */
  readonly failures: ReadonlyMap<string, number>;
  /** Resolves once `count` more writes than now are acknowledged; rejects after `timeoutMs`. */
  progress(count: number, timeoutMs: number): Promise<void>;
  /** The first acknowledgement after `since`, or undefined. */
  firstAckAfter(since: number): Ack | undefined;
  /**
   * The longest time without an acknowledgement around [from, to]: from the last ack before `from`
   * to the next one, and so on until `to` (what writers saw as unavailability across an event).
   */
  longestGap(from: number, to: number): number;
  /** Stops the writers and waits for their last requests. */
  stop(): Promise<void>;
}

/**
 * One kv v2 write of `{ v: value }` at secret/data/KEY through `node` (5 s at most): its status and,
 * when acknowledged (200), the version it made; undefined when the node did not answer.
 */
export async function writeSecret(
  node: HaNode,
  token: string,
  key: string,
  value: string,
): Promise<{ status: number; version?: number } | undefined> {
  try {
    const res = await fetch(`${node.addr}/v1/secret/data/${key}`, {
      method: 'POST',
      headers: { 'X-Vault-Token': token },
      body: JSON.stringify({ data: { v: value } }),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (res.status !== 200) return { status: res.status };
    const version = (JSON.parse(text) as { data?: { version?: number } }).data?.version;
    return version === undefined ? { status: res.status } : { status: res.status, version };
  } catch {
    return undefined;
  }
}

/**
 * `writers` loops, each writing new keys under `prefix` to the next node in turn, `paceMs` apart
 * (four times that after a failure, as a retrying client would). Needs kv v2 at secret/.
 */
export function startWriteLoad(c: HaCluster, prefix: string, writers = 2, paceMs = 20): WriteLoad {
  const acks: Ack[] = [];
  const failures = new Map<string, number>();
  let stopped = false;
  const loops = Array.from({ length: writers }, async (_, w) => {
    for (let seq = 0; !stopped; seq++) {
      const key = `${prefix}/w${w}/k${seq}`;
      const value = `v-${w}-${seq}-${Date.now()}`;
      const answer = await writeSecret(c.nodes[(w + seq) % c.nodes.length]!, c.rootToken, key, value);
      const status = answer === undefined ? 'unreachable' : String(answer.status);
      const ok = status === '200';
      if (ok) acks.push({ key, value, at: Date.now() });
      else failures.set(status, (failures.get(status) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, ok ? paceMs : 4 * paceMs));
    }
  });
  return {
    acks,
    failures,
    async progress(count, timeoutMs) {
      const target = acks.length + count;
      const deadline = Date.now() + timeoutMs;
      while (acks.length < target) {
        if (Date.now() > deadline)
          throw new Error(
            `writes did not progress within ${timeoutMs} ms (${acks.length} acknowledged; failures ${JSON.stringify([...failures])})`,
          );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    firstAckAfter: (since) => acks.find((a) => a.at > since),
    longestGap(from, to) {
      const times = acks.map((a) => a.at).sort((x, y) => x - y);
      let longest = 0;
      for (let i = 1; i < times.length; i++) {
        const [prev, next] = [times[i - 1]!, times[i]!];
        if (next > from && prev < to) longest = Math.max(longest, next - prev);
      }
      return longest;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Reads every acknowledged write back through `node`; returns what is missing or different. */
export async function readBack(c: HaCluster, node: HaNode, acks: readonly Ack[]): Promise<string[]> {
  const lost: string[] = [];
  const queue = [...acks];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let a = queue.pop(); a !== undefined; a = queue.pop()) {
        const r = await c.api(node, 'GET', `secret/data/${a.key}`, undefined, c.rootToken);
        const got = (r.body.data as { data?: { v?: unknown } } | undefined)?.data?.v;
        if (got !== a.value)
          lost.push(
            `${a.key}: acknowledged ${a.value}, read ${typeof got === 'string' ? got : `HTTP ${r.status}`}`,
          );
      }
    }),
  );
  return lost;
}

/** The nodes' "request failed" log lines (an internal error's cause), each prefixed with the node's name. */
export function requestFailures(c: HaCluster, width = 1500): string[] {
  return c.nodes.flatMap((n) =>
    (n.process?.output() ?? '')
      .split('\n')
      .filter((line) => line.includes('"request failed"'))
      .map((line) => `${n.name}: ${line.slice(0, width)}`),
  );
}
