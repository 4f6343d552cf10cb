/**
 * vault's HTTP Options: the flags every command that talks to a server accepts (read by
 * new-client.ts).
 */
import type { FlagGroup } from '../../helper/go/flags.js';

/** Vault's HTTP Options. */
export const HTTP_FLAGS: FlagGroup = {
  title: 'HTTP Options',
  flags: [
    {
      name: 'address',
      kind: 'string',
      usage:
        'Address of the Vault server. The default is https://127.0.0.1:8200. This can also be specified via the VAULT_ADDR environment variable.',
    },
    {
      name: 'agent-address',
      kind: 'string',
      usage:
        'Address of the Agent. This can also be specified via the VAULT_AGENT_ADDR environment variable.',
    },
    {
      name: 'ca-cert',
      kind: 'string',
      usage:
        "Path on the local disk to a single PEM-encoded CA certificate to verify the Vault server's SSL certificate. This takes precedence over -ca-path. This can also be specified via the VAULT_CACERT environment variable.",
    },
    {
      name: 'ca-path',
      kind: 'string',
      usage:
        "Path on the local disk to a directory of PEM-encoded CA certificates to verify the Vault server's SSL certificate. This can also be specified via the VAULT_CAPATH environment variable.",
    },
    {
      name: 'client-cert',
      kind: 'string',
      usage:
        'Path on the local disk to a single PEM-encoded CA certificate to use for TLS authentication to the Vault server. If this flag is specified, -client-key is also required. This can also be specified via the VAULT_CLIENT_CERT environment variable.',
    },
    {
      name: 'client-key',
      kind: 'string',
      usage:
        'Path on the local disk to a single PEM-encoded private key matching the client certificate from -client-cert. This can also be specified via the VAULT_CLIENT_KEY environment variable.',
    },
    {
      name: 'namespace',
      kind: 'string',
      aliases: ['ns'],
      usage:
        'The namespace to use for the command. Setting this is not necessary but allows using relative paths. -ns can be used as shortcut. This can also be specified via the VAULT_NAMESPACE environment variable.',
    },
    {
      name: 'disable-redirects',
      kind: 'bool',
      usage:
        'Disable the default client behavior, which honors a single redirect response from a request. This can also be specified via the VAULT_DISABLE_REDIRECTS environment variable.',
    },
    {
      name: 'header',
      kind: 'map',
      usage:
        "Key-value pair provided as key=value to provide http header added to any request done by the CLI. Trying to add headers starting with 'X-Vault-' is forbidden and will make the command fail. This can be specified multiple times.",
    },
    {
      name: 'non-interactive',
      kind: 'bool',
      usage: 'When set true, prevents asking the user for input via the terminal.',
    },
    {
      name: 'tls-server-name',
      kind: 'string',
      usage:
        'Name to use as the SNI host when connecting to the Vault server via TLS. This can also be specified via the VAULT_TLS_SERVER_NAME environment variable.',
    },
    {
      name: 'tls-skip-verify',
      kind: 'bool',
      usage:
        'Disable verification of TLS certificates. Using this option is highly discouraged as it decreases the security of data transmissions to and from the Vault server. This can also be specified via the VAULT_SKIP_VERIFY environment variable.',
    },
    {
      name: 'wrap-ttl',
      kind: 'duration',
      usage:
        'Wraps the response in a cubbyhole token with the requested TTL. The response is available via the "vault unwrap" command. The TTL is specified as a numeric string with suffix like "30s" or "5m". This can also be specified via the VAULT_WRAP_TTL environment variable.',
    },
  ],
};
