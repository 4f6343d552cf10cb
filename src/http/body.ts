import type { Context } from 'koa';
import { InvalidRequestError, VaultError } from '../helper/errors.js';
import { parseClientJson } from '../helper/json-depth.js';

export class RequestTooLargeError extends VaultError {
  constructor(limit: number) {
    super(413, `http: request body too large (limit ${limit} bytes)`);
  }
}

async function readRaw(ctx: Context, limit: number): Promise<Buffer> {
  const declared = Number.parseInt(ctx.get('content-length') || '0', 10);
  if (declared > limit) throw new RequestTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new RequestTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function fromQuery(query: Context['query']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    if (k === 'list' || k === 'help') continue;
    out[k] = v;
  }
  return out;
}

/**
 * The request's parameters as Vault reads them: the query string for GET/DELETE/HEAD/LIST, else
 * the body, parsed as JSON whatever the Content-Type says (the Go client sends none), except a
 * form-urlencoded body whose first byte is not "{" or "[".
 */
export async function readRequestData(ctx: Context, limit: number): Promise<Record<string, unknown>> {
  if (ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'DELETE') {
    // Most reads carry no body: skip draining the stream (this sits on the hot path).
    if (ctx.get('content-length') === '' && ctx.get('transfer-encoding') === '') return fromQuery(ctx.query);
    const raw = await readRaw(ctx, limit);
    if (raw.length > 0 && ctx.method === 'DELETE') return parseBody(ctx, raw);
    return fromQuery(ctx.query);
  }
  return parseBody(ctx, await readRaw(ctx, limit));
}

function parseBody(ctx: Context, raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8');
  const trimmed = text.trimStart();
  if (trimmed === '') return {};
  if (
    ctx.is('application/x-www-form-urlencoded') !== false &&
    !trimmed.startsWith('{') &&
    !trimmed.startsWith('[')
  ) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(text)) out[k] = v;
    return out;
  }
  const parsed = parseClientJson(text, 'JSON input');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidRequestError('failed to parse JSON input: the body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
