/**
 * A small Vault API client over node:http/https that behaves like the Go client the vault CLI
 * uses: configuration from VAULT_* variables, `X-Vault-Request: true` on every request, JSON
 * bodies without a Content-Type, LIST sent as `GET ?list=true`, one followed redirect, and
 * errors worded as Go words them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { posix } from 'node:path';
import { type ClientConfig, ClientConfigError } from './client-config.js';

/** The Go client's ResponseError: an HTTP error status from the server. */
export class ResponseError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly errors: readonly string[],
    readonly rawError: boolean,
    readonly namespace = '',
  ) {
    const heading = rawError ? 'Raw Message' : 'Errors';
    let text = `Error making API request.\n\n`;
    if (namespace !== '') text += `Namespace: ${namespace}\n`;
    text += `URL: ${method} ${url}\nCode: ${status}. ${heading}:\n\n`;
    text += rawError && errors.length === 1 ? (errors[0] ?? '') : errors.map((e) => `* ${e}`).join('');
    super(text);
  }
}

/** A request to `/v1/<path>`. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  /** JSON-encoded as the body; undefined sends no body. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Do not ask for response wrapping (the kv preflight). */
  readonly noWrap?: boolean;
}

/** A completed HTTP exchange. */
export interface ApiResponse {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Go's path.Join: cleaned, no trailing slash. */
function joinPath(...parts: string[]): string {
  const joined = posix.normalize(parts.filter((p) => p !== '').join('/'));
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

function describeNetworkError(err: NodeJS.ErrnoException, url: URL): string {
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  const host = `${url.hostname}:${port}`;
  switch (err.code ?? '') {
    case 'ECONNREFUSED':
      return `dial tcp ${host}: connect: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${url.hostname}: no such host`;
    case 'ECONNRESET':
      return `read tcp ${host}: read: connection reset by peer`;
    case 'ETIMEDOUT':
    case 'TRESOR_TIMEOUT':
      return 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return 'http: server gave HTTP response to HTTPS client';
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    default:
      return err.message;
  }
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ClientConfigError(`Error loading ${what}: ${(err as Error).message}`);
  }
}

/** The Vault API client. */
export class ApiClient {
  private tokenValue: string;
  private readonly base: URL;
  private readonly tlsOptions: https.RequestOptions;

  constructor(
    readonly config: ClientConfig,
    token = '',
  ) {
    this.tokenValue = token;
    try {
      this.base = new URL(config.address);
    } catch {
      throw new ClientConfigError(`parse "${config.address}": invalid URI for request`);
    }
    const t = config.tls;
    const ca: Buffer[] = [];
    if (t.caCert !== '') ca.push(readPem(t.caCert, 'CA File'));
    else if (t.caPath !== '') {
      for (const name of readdirSync(t.caPath)) ca.push(readPem(posix.join(t.caPath, name), 'CA Path'));
    }
    this.tlsOptions = {
      rejectUnauthorized: !t.skipVerify,
      ...(ca.length > 0 ? { ca } : {}),
      ...(t.clientCert !== '' ? { cert: readPem(t.clientCert, 'client certificate') } : {}),
      ...(t.clientKey !== '' ? { key: readPem(t.clientKey, 'client key') } : {}),
      ...(t.serverName !== '' ? { servername: t.serverName } : {}),
    };
  }

  /** The server address this client talks to. */
  get address(): string {
    return this.config.address;
  }

  get token(): string {
    return this.tokenValue;
  }

  setToken(token: string): void {
    this.tokenValue = token;
  }

  clearToken(): void {
    this.tokenValue = '';
  }

  private wrapTtlFor(req: ApiRequest): string {
    if (req.noWrap === true) return '';
    if (this.config.wrapTtl !== '') return this.config.wrapTtl;
    if (this.config.envWrapTtl !== '') return this.config.envWrapTtl;
    const method = req.method.toUpperCase();
    return (method === 'PUT' || method === 'POST') && req.path === 'sys/wrapping/wrap' ? '5m' : '';
  }

  /** Builds the URL of a request as the Go client does (LIST becomes GET with list=true). */
  urlFor(req: ApiRequest): { method: string; url: URL } {
    let method = req.method.toUpperCase();
    const query = new URLSearchParams();
    const entries = Object.entries(req.query ?? {});
    if (method === 'LIST') {
      method = 'GET';
      entries.push(['list', 'true']);
    }
    for (const [key, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (const v of typeof value === 'string' ? [value] : value) query.append(key, v);
    }
    const url = new URL(this.base.href);
    url.pathname = joinPath(this.base.pathname, `/v1/${req.path}`);
    url.search = query.toString();
    return { method, url };
  }

  /** Sends a request and returns the response whatever its status (network failures throw). */
  async rawRequest(req: ApiRequest): Promise<ApiResponse> {
    const { method, url } = this.urlFor(req);
    const headers: Record<string, string> = { ...this.config.headers, 'X-Vault-Request': 'true' };
    if (this.tokenValue !== '') headers['X-Vault-Token'] = this.tokenValue;
    if (this.config.namespace !== '') headers['X-Vault-Namespace'] = this.config.namespace;
    const wrap = this.wrapTtlFor(req);
    if (wrap !== '') headers['X-Vault-Wrap-TTL'] = wrap;
    Object.assign(headers, req.headers ?? {});
    const body = req.body === undefined ? undefined : `${JSON.stringify(req.body)}\n`;
    let target = url;
    for (let attempt = 0; ; attempt++) {
      let response: ApiResponse;
      try {
        response = await this.send(method, target, headers, body);
      } catch (err) {
        if (attempt < this.config.maxRetries) {
          await backoff(attempt);
          continue;
        }
        const op = method.charAt(0) + method.slice(1).toLowerCase();
        throw new Error(
          `${op} "${target.href}": ${describeNetworkError(err as NodeJS.ErrnoException, target)}`,
          {
            cause: err,
          },
        );
      }
      const s = response.status;
      if ((s === 301 || s === 302 || s === 307) && target === url && !this.config.disableRedirects) {
        const location = response.headers.location;
        if (location !== undefined) {
          const next = new URL(location, target);
          if (target.protocol === 'https:' && next.protocol !== 'https:') {
            throw new Error('redirect would cause protocol downgrade');
          }
          target = next;
          attempt--;
          continue;
        }
      }
      const retryable =
        (s >= 500 && s !== 501) || s === 412 || (s === 429 && !target.pathname.endsWith('/v1/sys/health'));
      if (retryable && attempt < this.config.maxRetries) {
        await backoff(attempt);
        continue;
      }
      return response;
    }
  }

  /** Sends a request; an error status (other than 429 from sys/health) throws a ResponseError. */
  async request(req: ApiRequest): Promise<ApiResponse> {
    const response = await this.rawRequest(req);
    const error = responseError(response);
    if (error !== undefined) throw error;
    return response;
  }

  private send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<ApiResponse> {
    const transport = url.protocol === 'https:' ? https : http;
    const allHeaders: Record<string, string> = { ...headers };
    if (body !== undefined) allHeaders['Content-Length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        { method, headers: allHeaders, agent: false, ...this.tlsOptions },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            resolve({
              method,
              url: url.href,
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      req.setTimeout(this.config.timeoutMs, () => {
        req.destroy(Object.assign(new Error('timeout'), { code: 'TRESOR_TIMEOUT' }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

function backoff(attempt: number): Promise<void> {
  const ms = (1000 + Math.random() * 500) * (attempt + 1);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The Go client's Response.Error(): undefined for 2xx/3xx and for 429 from sys/health. */
export function responseError(response: ApiResponse): ResponseError | undefined {
  const s = response.status;
  if (s >= 200 && s < 400) return undefined;
  if (s === 429 && new URL(response.url).pathname.endsWith('/v1/sys/health')) return undefined;
  const ns = response.headers['x-vault-namespace'];
  const namespace = typeof ns === 'string' ? ns : '';
  try {
    const parsed = JSON.parse(response.body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const errors = (parsed as Record<string, unknown>).errors;
      if (errors === undefined || errors === null)
        return new ResponseError(response.method, response.url, s, [], false, namespace);
      if (Array.isArray(errors) && errors.every((e) => typeof e === 'string')) {
        return new ResponseError(response.method, response.url, s, errors, false, namespace);
      }
    }
  } catch {
    // not JSON: reported raw below
  }
  return new ResponseError(response.method, response.url, s, [response.body], true, namespace);
}
