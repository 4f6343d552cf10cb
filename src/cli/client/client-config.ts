/**
 * The client configuration the vault CLI reads from its environment (VAULT_ADDR, VAULT_AGENT_ADDR,
 * VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT/KEY, VAULT_SKIP_VERIFY, VAULT_TLS_SERVER_NAME,
 * VAULT_NAMESPACE, VAULT_WRAP_TTL, VAULT_MAX_RETRIES, VAULT_CLIENT_TIMEOUT), with flag overrides.
 */
import { parseGoDuration } from '../../helper/go/duration.js';
import { parseGoBool } from '../../helper/go/parse-bool.js';

/** A configuration problem (bad VAULT_* value, unreadable certificate): no request was made. */
export class ClientConfigError extends Error {}

/** TLS settings from VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT/KEY, VAULT_SKIP_VERIFY, VAULT_TLS_SERVER_NAME. */
export interface TlsSettings {
  readonly caCert: string;
  readonly caPath: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly serverName: string;
  readonly skipVerify: boolean;
}

/** Everything a client needs except its token. */
export interface ClientConfig {
  readonly address: string;
  readonly tls: TlsSettings;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly namespace: string;
  /** From -wrap-ttl (a Go duration string), "" when not given. */
  readonly wrapTtl: string;
  /** From VAULT_WRAP_TTL. */
  readonly envWrapTtl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly disableRedirects: boolean;
}

/** Values from command flags, which win over the environment. */
export type ClientOverrides = Partial<Omit<ClientConfig, 'tls' | 'envWrapTtl'>> & {
  readonly agentAddress?: string;
  readonly tls?: Partial<TlsSettings>;
};

/** The default address, as in vault. */
export const DEFAULT_ADDRESS = 'https://127.0.0.1:8200';

/** Reads the client configuration from the environment, then applies flag overrides. */
export function readClientConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: ClientOverrides = {},
): ClientConfig {
  const get = (name: string): string => env[name] ?? '';
  const bool = (name: string): boolean => {
    const v = get(name);
    if (v === '') return false;
    const b = parseGoBool(v);
    if (b === undefined) throw new ClientConfigError(`failed to read environment: could not parse ${name}`);
    return b;
  };
  let address = get('VAULT_ADDR') !== '' ? get('VAULT_ADDR') : DEFAULT_ADDRESS;
  if (get('VAULT_AGENT_ADDR') !== '') address = get('VAULT_AGENT_ADDR');
  if ((overrides.address ?? '') !== '') address = overrides.address ?? address;
  if ((overrides.agentAddress ?? '') !== '') address = overrides.agentAddress ?? address;
  let timeoutMs = 60_000;
  if (get('VAULT_CLIENT_TIMEOUT') !== '') {
    try {
      timeoutMs = parseGoDuration(get('VAULT_CLIENT_TIMEOUT')) * 1000;
    } catch {
      throw new ClientConfigError('failed to read environment: could not parse "VAULT_CLIENT_TIMEOUT"');
    }
  }
  let maxRetries = 0;
  if (get('VAULT_MAX_RETRIES') !== '') {
    if (!/^\d+$/.test(get('VAULT_MAX_RETRIES'))) {
      throw new ClientConfigError('failed to read environment: could not parse "VAULT_MAX_RETRIES"');
    }
    maxRetries = Number.parseInt(get('VAULT_MAX_RETRIES'), 10);
  }
  const tls: TlsSettings = {
    caCert: get('VAULT_CACERT'),
    caPath: get('VAULT_CAPATH'),
    clientCert: get('VAULT_CLIENT_CERT'),
    clientKey: get('VAULT_CLIENT_KEY'),
    serverName: get('VAULT_TLS_SERVER_NAME'),
    skipVerify: bool('VAULT_SKIP_VERIFY'),
  };
  const pick = <T>(value: T | undefined, fallback: T): T =>
    value === undefined || value === '' ? fallback : value;
  return {
    address,
    tls: {
      caCert: pick(overrides.tls?.caCert, tls.caCert),
      caPath: pick(overrides.tls?.caPath, tls.caPath),
      clientCert: pick(overrides.tls?.clientCert, tls.clientCert),
      clientKey: pick(overrides.tls?.clientKey, tls.clientKey),
      serverName: pick(overrides.tls?.serverName, tls.serverName),
      skipVerify: overrides.tls?.skipVerify === true || tls.skipVerify,
    },
    timeoutMs: pick(overrides.timeoutMs, timeoutMs),
    maxRetries: pick(overrides.maxRetries, maxRetries),
    namespace: pick(overrides.namespace, get('VAULT_NAMESPACE')),
    wrapTtl: overrides.wrapTtl ?? '',
    envWrapTtl: get('VAULT_WRAP_TTL'),
    headers: overrides.headers ?? {},
    disableRedirects: overrides.disableRedirects === true || bool('VAULT_DISABLE_REDIRECTS'),
  };
}
