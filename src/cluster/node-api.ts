/**
 * The few HTTP calls the cluster harness makes to its nodes (init, unseal, health, mounts), with
 * a timeout on each, and the role a node's sys/health code stands for.
 */

/** A node's answer: status code and JSON body ({} when empty or not JSON). */
export interface NodeAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Calls `<addr>/v1/<path>`; throws on network errors and timeouts. */
export async function callNode(
  addr: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; timeoutMs?: number } = {},
): Promise<NodeAnswer> {
  const res = await fetch(`${addr}/v1/${path}`, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { 'X-Vault-Token': options.token }),
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = text === '' ? {} : JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      body = parsed as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body };
}

/** What a node is, by its sys/health code (Vault's defaults). */
export type NodeRole = 'active' | 'standby' | 'sealed' | 'uninitialized' | 'unreachable' | 'unknown';

/** Maps a sys/health status code to the role it means. */
export function roleOfHealthCode(status: number): NodeRole {
  switch (status) {
    case 200:
      return 'active';
    case 429:
      return 'standby';
    case 503:
      return 'sealed';
    case 501:
      return 'uninitialized';
    default:
      return 'unknown';
  }
}

/** A node's current role; "unreachable" when it does not answer within `timeoutMs`. */
export async function roleOf(addr: string, timeoutMs = 2000): Promise<NodeRole> {
  try {
    return roleOfHealthCode((await callNode(addr, 'GET', 'sys/health', { timeoutMs })).status);
  } catch {
    return 'unreachable';
  }
}

/** The message of a Vault error body, for exceptions. */
export function errorsOf(answer: NodeAnswer): string {
  const errors = answer.body.errors;
  return Array.isArray(errors) && errors.length > 0 ? errors.map(String).join('; ') : `HTTP ${answer.status}`;
}
