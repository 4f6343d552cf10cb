/**
 * `crls/<name>` (read, write, delete) and `crls/` (list): revocation lists checked at every login.
 *   POST { crl (PEM or DER) } → 204; GET → { cdp: null, serials: { "<decimal serial>": {} } }
 *
 * Storage: `crls/<name>` → JSON { issuer (base64 DER Name), serials: string[] }. Logins read the
 * stored lists each time, so a revocation takes effect at once on every node.
 */
import type { LogicalRequest, LogicalResponse, Storage } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import { listResponse } from '../../../framework/list-response.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import type { ParsedCrl } from './crl.js';
import { crlBytes, parseCrl } from './crl.js';
import { NAME_PATTERN } from './path-certs.js';

const CRL_PREFIX = 'crls/';

interface StoredCrl {
  issuer: string;
  serials: string[];
}

async function readCrl(storage: Storage, name: string): Promise<ParsedCrl | undefined> {
  const raw = await storage.get(CRL_PREFIX + name);
  if (raw === undefined) return undefined;
  const stored = JSON.parse(raw.toString('utf8')) as StoredCrl;
  return { issuerDer: Buffer.from(stored.issuer, 'base64'), serials: stored.serials };
}

/** Every stored CRL. */
export async function loadCrls(storage: Storage): Promise<ParsedCrl[]> {
  const out: ParsedCrl[] = [];
  for (const name of await storage.list(CRL_PREFIX)) {
    if (name.endsWith('/')) continue;
    const crl = await readCrl(storage, name);
    if (crl !== undefined) out.push(crl);
  }
  return out;
}

function nameOf(data: FieldData): string {
  const name = data.string('name').toLowerCase();
  if (name === '') throw new InvalidRequestError('"name" parameter cannot be empty');
  return name;
}

async function read(req: LogicalRequest, data: FieldData): Promise<LogicalResponse> {
  const name = nameOf(data);
  const crl = await readCrl(req.storage, name);
  if (crl === undefined) throw new InvalidRequestError(`no such CRL ${name}`);
  return { data: { cdp: null, serials: Object.fromEntries(crl.serials.map((s) => [s, {}])) } };
}

async function write(req: LogicalRequest, data: FieldData): Promise<undefined> {
  const name = nameOf(data);
  if (!data.has('crl')) {
    if (data.has('url'))
      throw new InvalidRequestError(
        'fetching CRLs from a url is not supported; post the CRL itself as "crl"',
      );
    throw new InvalidRequestError("one of 'crl' or 'url' must be provided");
  }
  let parsed: ParsedCrl;
  try {
    parsed = parseCrl(crlBytes(data.string('crl')));
  } catch (err) {
    throw new InvalidRequestError(`failed to parse CRL: ${err instanceof Error ? err.message : String(err)}`);
  }
  const stored: StoredCrl = {
    issuer: parsed.issuerDer.toString('base64'),
    serials: [...new Set(parsed.serials)],
  };
  await req.storage.put(CRL_PREFIX + name, Buffer.from(JSON.stringify(stored), 'utf8'));
  return undefined;
}

async function remove(req: LogicalRequest, data: FieldData): Promise<undefined> {
  const name = nameOf(data);
  if ((await req.storage.get(CRL_PREFIX + name)) === undefined)
    throw new InvalidRequestError(`no such CRL ${name}`);
  await req.storage.delete(CRL_PREFIX + name);
  return undefined;
}

/** The crls paths of a cert auth mount. */
export const pathCrls: PathSpec[] = [
  {
    pattern: '^crls/?$',
    fields: {},
    operations: {
      list: async (req) => listResponse((await req.storage.list(CRL_PREFIX)).filter((k) => !k.endsWith('/'))),
    },
    synopsis: 'Lists the stored certificate revocation lists.',
  },
  {
    pattern: `^crls/${NAME_PATTERN}$`,
    fields: {
      name: { kind: 'string', description: 'The name of the CRL.' },
      crl: { kind: 'string', description: 'The CRL, PEM or DER encoded.' },
      url: { kind: 'string', description: 'A CRL distribution point (not supported).' },
    },
    operations: { read, update: write, delete: remove },
    synopsis: 'Manages certificate revocation lists checked during authentication.',
  },
];
