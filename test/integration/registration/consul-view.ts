/** Reading a real Consul agent's HTTP API the way an operator (or a DNS resolver) would, for the registration tests. */

/** One entry of /v1/health/service/<name>. */
export interface HealthEntry {
  readonly Service: {
    ID: string;
    Service: string;
    Tags: string[] | null;
    Address: string;
    Port: number;
    Meta: Record<string, string> | null;
  };
  readonly Checks: { CheckID: string; Name: string; Status: string; Output: string; ServiceID: string }[];
}

/** One entry of /v1/agent/checks. */
export interface AgentCheck {
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: string;
  readonly Output: string;
  readonly Notes: string;
  readonly ServiceID: string;
  readonly Type: string;
}

/** One entry of /v1/catalog/service/<name>. */
export interface CatalogEntry {
  readonly ServiceID: string;
  readonly ServiceTags: string[] | null;
  readonly ServiceAddress: string;
  readonly ServicePort: number;
  readonly ServiceMeta: Record<string, string> | null;
}

/** GET on the agent's HTTP API, JSON-decoded. */
export async function consulGet<T>(httpAddr: string, path: string): Promise<T> {
  const res = await fetch(`http://${httpAddr}/v1/${path}`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`consul GET ${path}: HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** PUT on the agent's HTTP API. */
export async function consulPut(httpAddr: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`http://${httpAddr}/v1/${path}`, {
    method: 'PUT',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`consul PUT ${path}: HTTP ${res.status}: ${await res.text()}`);
}

/** /v1/health/service/<name>, optionally `?passing` and/or with a tag filter. */
export function health(
  httpAddr: string,
  name: string,
  opts: { passing?: boolean; tag?: string } = {},
): Promise<HealthEntry[]> {
  const q = new URLSearchParams();
  if (opts.passing === true) q.set('passing', '');
  if (opts.tag !== undefined) q.set('tag', opts.tag);
  const query = q.toString().replace('passing=', 'passing');
  return consulGet<HealthEntry[]>(
    httpAddr,
    `health/service/${encodeURIComponent(name)}${query === '' ? '' : `?${query}`}`,
  );
}

/** /v1/catalog/service/<name>. */
export function catalog(httpAddr: string, name: string): Promise<CatalogEntry[]> {
  return consulGet<CatalogEntry[]>(httpAddr, `catalog/service/${encodeURIComponent(name)}`);
}

/** /v1/agent/checks as a map by check id. */
export function agentChecks(httpAddr: string): Promise<Record<string, AgentCheck>> {
  return consulGet<Record<string, AgentCheck>>(httpAddr, 'agent/checks');
}

/** The tags of a health entry, sorted. */
export function tagsOf(e: HealthEntry): string[] {
  return [...(e.Service.Tags ?? [])].sort();
}

/** The sealed check of a health entry. */
export function sealedCheckOf(e: HealthEntry): HealthEntry['Checks'][number] | undefined {
  return e.Checks.find((c) => c.CheckID.endsWith(':vault-sealed-check'));
}

/**
 * Polls `probe` every 50 ms until it returns something other than undefined, and returns it; fails
 * with the last observation after `timeoutMs`.
 */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}
