/**
 * The one API-call helper of the tests: one request to a tresor node over node:http (so request
 * targets go out exactly as written, `..` included), the token in X-Vault-Token, a JSON body, and
 * the answer's status, text, headers and JSON body.
 */
import { type Agent, request } from 'node:http';

/** One HTTP answer, body as text and (when it parses) as JSON. */
export interface ApiResponse {
  readonly status: number;
  readonly text: string;
  /** The JSON object of the answer; a non-object value as { value }; {} when not JSON. */
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface ApiOptions {
  /** Token to send as X-Vault-Token; none when omitted or ''. */
  readonly token?: string;
  /** Raw body bytes instead of JSON.stringify(body). */
  readonly raw?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** Called once the whole request has been handed to the socket. */
  readonly onSent?: () => void;
  /** Connection pool (node's global agent when omitted). */
  readonly agent?: Agent;
  /** The request fails after this long without an answer (default 30 s). */
  readonly timeoutMs?: number;
  /** Local address to send from (another loopback address, say). */
  readonly localAddress?: string;
}

function parse(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : { value: v };
  } catch {
    return {};
  }
}

/**
 * Sends `method path` to `base` (`http://host:port`); `path` is below /v1/ unless it starts with
 * '/'. A `body` goes out as JSON with Content-Type application/json.
 */
export function vaultApi(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  opts: ApiOptions = {},
): Promise<ApiResponse> {
  const url = new URL(base);
  const headers: Record<string, string | number> = { ...opts.headers };
  if (opts.token !== undefined && opts.token !== '') headers['X-Vault-Token'] = opts.token;
  let payload: Buffer | undefined;
  if (opts.raw !== undefined) payload = Buffer.from(opts.raw);
  else if (body !== undefined) {
    payload = Buffer.from(JSON.stringify(body));
    headers['Content-Type'] ??= 'application/json';
  }
  if (payload !== undefined) headers['Content-Length'] = payload.length;
  const target = path.startsWith('/') ? path : `/v1/${path}`;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: target,
        method,
        headers,
        ...(opts.agent === undefined ? {} : { agent: opts.agent }),
        ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, text, body: parse(text), headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.onSent !== undefined) req.on('finish', opts.onSent);
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`${method} ${target}: no answer within ${timeoutMs / 1000} s`)),
    );
    req.end(payload);
  });
}
