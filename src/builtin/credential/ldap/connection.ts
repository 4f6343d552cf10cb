/**
 * Connections to the directory, over ldapts. The socket is dialled here (each URL of the config in
 * order, with the connection timeout, TLS for ldaps:// or StartTLS) and handed to ldapts, which is
 * never allowed to reconnect on its own: a silently re-established connection would drop TLS
 * after StartTLS and lose the bind state, so a lost connection fails the login instead.
 */
import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import tls from 'node:tls';
import type { Entry, SearchOptions } from 'ldapts';
import { Client } from 'ldapts';
import { InvalidRequestError } from '../../../helper/errors.js';
import type { LdapConfig } from './ldap-config.js';

const TLS_NAMES = { tls10: 'TLSv1', tls11: 'TLSv1.1', tls12: 'TLSv1.2', tls13: 'TLSv1.3' } as const;
const DEREF = { never: 'never', finding: 'find', searching: 'search', always: 'always' } as const;

/** An open connection to one directory server. */
export interface LdapConnection {
  /** The URL it is connected to. */
  readonly url: string;
  /** A simple bind; throws ldapts' errors (InvalidCredentialsError, …) on failure. */
  bind(dn: string, password: string): Promise<void>;
  /** A subtree search under `base`, honouring the config's alias dereferencing. */
  search(
    base: string,
    filter: string,
    attributes: string[],
    opts?: { sizeLimit?: number; pageSize?: number },
  ): Promise<Entry[]>;
  close(): Promise<void>;
}

/** TLS options for a server at `host`, from the config. */
export function tlsOptions(cfg: LdapConfig, host: string): ConnectionOptions {
  return {
    host,
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    rejectUnauthorized: !cfg.insecure_tls,
    minVersion: TLS_NAMES[cfg.tls_min_version],
    maxVersion: TLS_NAMES[cfg.tls_max_version],
    ...(cfg.certificate === '' ? {} : { ca: cfg.certificate }),
    ...(cfg.client_tls_cert === '' ? {} : { cert: cfg.client_tls_cert, key: cfg.client_tls_key }),
  };
}

function waitFor(socket: net.Socket, event: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            fail(new Error('connection timed out'));
          }, timeoutMs)
        : undefined;
    const fail = (err: Error): void => {
      if (timer !== undefined) clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once(event, () => {
      if (timer !== undefined) clearTimeout(timer);
      socket.off('error', fail);
      // until ldapts installs its own handlers, an error must not go unhandled (it would crash the process)
      socket.on('error', () => undefined);
      resolve();
    });
  });
}

/** A connection factory that hands out `socket` once, then only sockets that fail at once. */
function once<T extends net.Socket>(socket: T): () => T {
  let used = false;
  return () => {
    if (!used) {
      used = true;
      return socket;
    }
    const dead = new net.Socket() as T;
    setImmediate(() => dead.destroy(new Error('the LDAP connection was lost; not reconnecting')));
    return dead;
  };
}

function wrap(client: Client, url: string, cfg: LdapConfig): LdapConnection {
  return {
    url,
    bind: (dn, password) => client.bind(dn, password),
    async search(base, filter, attributes, opts = {}) {
      const options: SearchOptions = {
        scope: 'sub',
        filter,
        attributes,
        derefAliases: DEREF[cfg.dereference_aliases],
        sizeLimit: opts.sizeLimit ?? 0,
        ...(opts.pageSize !== undefined && opts.pageSize > 0 ? { paged: { pageSize: opts.pageSize } } : {}),
      };
      return (await client.search(base, options)).searchEntries;
    },
    async close() {
      try {
        await client.unbind();
      } catch {
        // the connection is going away either way
      }
    },
  };
}

async function connectOne(cfg: LdapConfig, url: string): Promise<LdapConnection> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const secure = parsed.protocol === 'ldaps:';
  const port = parsed.port === '' ? (secure ? 636 : 389) : Number(parsed.port);
  const connectMs = cfg.connection_timeout * 1000;
  const base = { url, timeout: cfg.request_timeout * 1000 };
  if (secure) {
    const socket = tls.connect({ ...tlsOptions(cfg, host), port });
    await waitFor(socket, 'secureConnect', connectMs);
    const factory = once(socket);
    return wrap(new Client({ ...base, createSecureConnection: factory }), url, cfg);
  }
  const socket = net.connect({ host, port });
  await waitFor(socket, 'connect', connectMs);
  const client = new Client({ ...base, createConnection: once(socket) });
  const conn = wrap(client, url, cfg);
  if (cfg.starttls) {
    try {
      await client.startTLS(tlsOptions(cfg, host));
    } catch (err) {
      await conn.close();
      throw err;
    }
  }
  return conn;
}

/**
 * Connects to the first reachable server of the config's URL list. Failure is a 400 listing each
 * attempt, in Vault's multi-error format.
 */
export async function dial(cfg: LdapConfig): Promise<LdapConnection> {
  const problems: string[] = [];
  for (const url of cfg.url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '')) {
    try {
      return await connectOne(cfg, url);
    } catch (err) {
      problems.push(`error connecting to host "${url}": ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const n = problems.length;
  throw new InvalidRequestError(
    `${n} error${n === 1 ? '' : 's'} occurred:\n\t* ${problems.join('\n\t* ')}\n\n`,
  );
}
