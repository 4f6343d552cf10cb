import type { Logger } from '../../src/helper/logger.js';
import { ConsulClient } from './client.js';
import type { ConsulClientOptions } from './client-types.js';

/** Certificate-chain errors of Node's TLS client (OpenSSL's X509 verification results). */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What a failed first request says about the connection settings, if it says anything lasting. */
export function misconfiguration(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (CERTIFICATE_CODES.has(code))
        return `the agent's certificate is not trusted (${code}): check tls_ca_file, and that the certificate names the address`;
      if (/CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|HANDSHAKE_FAILURE/.test(code))
        return `the agent refused this node's client certificate (${code}): verify_incoming needs tls_cert_file and tls_key_file signed by a CA the agent trusts`;
      if (code.startsWith('ERR_SSL_') || code === 'EPROTO')
        return `the TLS handshake failed (${code}): check scheme, tls_min_version and the certificates`;
    }
    // An HTTP answer's body is the cause of a ConsulRequestError (client/decode.ts).
    const text = Buffer.isBuffer(e) ? e.toString() : typeof e === 'string' ? e : message;
    if (typeof text === 'string' && /HTTP request to an HTTPS server/i.test(text))
      return 'the agent serves HTTPS on that address: set scheme = "https" (and tls_ca_file)';
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A Consul connection setting that cannot work (raised at start, instead of retrying forever). */
export class ConsulConnectionError extends Error {}

/**
 * The first request to a Consul agent, made at start: a certificate that is not trusted, a client
 * certificate the agent refuses, or plain HTTP against an HTTPS port will never heal by waiting, so
 * they reject with what to fix. An agent that does not answer yet (starting, restarting) is only
 * logged: the node keeps retrying, as it does after any outage.
 */
export async function preflightConsul(
  options: ConsulClientOptions,
  where: string,
  logger: Logger,
): Promise<void> {
  const client = new ConsulClient({ ...options, maxParallel: 1 });
  try {
    await client.statusLeader({ timeoutMs: 5000 });
  } catch (err) {
    const wrong = misconfiguration(err);
    if (wrong !== undefined)
      throw new ConsulConnectionError(
        `${where}: cannot talk to Consul at ${options.address ?? ''}: ${wrong}`,
        {
          cause: err,
        },
      );
    logger.warn(
      { err: (err as Error).message, where },
      'Consul does not answer yet; the node keeps retrying',
    );
  } finally {
    client.close();
  }
}
