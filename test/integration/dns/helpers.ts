/**
 * Helpers of the DNS resolver tests: Consul's own HTTP API (service registration with TTL checks,
 * sessions, the lock key), a tiny upstream DNS server on dns2, dig, and polling.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dns2 from 'dns2';
import type { ConsulAgent } from '../../helpers/consul.js';

/** The lock key of the default `vault/` prefix. */
export const LOCK_KEY = 'vault/core/lock';

/** Consul's HTTP API of one agent, as an operator (or a tresor node) would use it. */
export class ConsulApi {
  constructor(private readonly agent: ConsulAgent) {}

  async request(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<string> {
    const res = await fetch(`http://${this.agent.httpAddr}/v1/${path}`, {
      method,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`consul ${method} ${path}: HTTP ${res.status}: ${text}`);
    return text;
  }

  /** Registers a service instance with a TTL check (initially passing) named `check`. */
  async register(
    id: string,
    name: string,
    address: string,
    port: number,
    tags: string[],
    check?: string,
  ): Promise<void> {
    await this.request('PUT', 'agent/service/register', {
      ID: id,
      Name: name,
      Tags: tags,
      Address: address,
      Port: port,
      ...(check === undefined
        ? {}
        : { Check: { CheckID: check, Name: 'sealed status', TTL: '10m', Status: 'passing' } }),
    });
  }

  async deregister(id: string): Promise<void> {
    await this.request('PUT', `agent/service/deregister/${encodeURIComponent(id)}`);
  }

  async checkPass(check: string): Promise<void> {
    await this.request('PUT', `agent/check/pass/${encodeURIComponent(check)}`);
  }

  async checkFail(check: string): Promise<void> {
    await this.request('PUT', `agent/check/fail/${encodeURIComponent(check)}`);
  }

  /** A session with no TTL and no lock-delay, bound to the node's serf health. */
  async session(name: string): Promise<string> {
    const created = JSON.parse(
      await this.request('PUT', 'session/create', { Name: name, LockDelay: '0s' }),
    ) as { ID: string };
    return created.ID;
  }

  /** Takes the lock key for `session` with a tresor advertisement; true when taken. */
  async acquire(session: string, apiAddr: string): Promise<boolean> {
    const value = {
      nodeId: `node-${session.slice(0, 8)}`,
      apiAddr,
      clusterAddr: apiAddr.replace(/:\d+$/, ':8201'),
    };
    return (await this.request('PUT', `kv/${LOCK_KEY}?acquire=${session}`, value)).trim() === 'true';
  }

  async release(session: string): Promise<boolean> {
    return (await this.request('PUT', `kv/${LOCK_KEY}?release=${session}`, '')).trim() === 'true';
  }
}

/** A minimal upstream resolver over UDP answering `name` A `address`, NXDOMAIN otherwise. */
export async function startUpstream(
  name: string,
  address: string,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = dns2.createUDPServer((request, send) => {
    const response = dns2.Packet.createResponseFromRequest(request);
    const q = request.questions[0];
    if (q?.name.toLowerCase() === name && q.type === dns2.Packet.TYPE.A) {
      response.answers.push(new dns2.Packet.Resource({ name: q.name, type: 1, class: 1, ttl: 60, address }));
    } else {
      response.header.rcode = 3; // NXDOMAIN
    }
    response.header.ra = 1;
    void send(response);
  });
  server.on('requestError', () => undefined);
  await server.listen(0, '127.0.0.1');
  return {
    port: server.address().port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Runs dig against the resolver. A missing dig is a failure, never a skip. */
export function dig(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'dig',
      ['@127.0.0.1', '-p', String(port), '+time=3', '+tries=2', ...args],
      { timeout: 20_000 },
      (err, stdout, stderr) => {
        if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
          reject(
            new Error('dig is not installed: apt-get install -y dnsutils (required, these tests never skip)'),
          );
          return;
        }
        if (err !== null && stdout === '') {
          reject(new Error(`dig ${args.join(' ')} failed: ${err.message} ${stderr}`));
          return;
        }
        resolve(stdout);
      },
    );
  });
}

/** The status dig printed ("NOERROR", "NXDOMAIN", ...). */
export function digStatus(output: string): string {
  const m = /status: ([A-Z]+)/.exec(output);
  assert.ok(m?.[1] !== undefined, `no status in dig output:\n${output}`);
  return m[1];
}

/** Polls `probe` every `everyMs` until it returns true; rejects after `ms`. Resolves with the time it took. */
export async function pollUntil(
  probe: () => Promise<boolean>,
  ms: number,
  what: string,
  everyMs = 10,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await probe().catch(() => false)) return performance.now() - started;
    if (performance.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
