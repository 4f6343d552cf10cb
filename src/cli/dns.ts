/**
 * `tresor dns -config=FILE [-listen=ADDR] [-consul=ADDR] [-upstream=ADDR]...`: runs the bundled DNS
 * resolver (dns/) until SIGINT or SIGTERM. Flag parsing and validation live with the resolver.
 */
import type { Command } from './command.js';
import { DNS_FLAGS } from '../../dns/main.js';

/** `dns`. */
export const dnsCommand: Command = {
  name: 'dns',
  synopsis: 'Run the DNS resolver for the consul domain',
  help: `Usage: tresor dns -config=FILE [options]

  Answers the "consul" domain from a live view of Consul (active.vault.consul returns only the
  node that holds the HA lock) and forwards every other name to the configured upstreams.

      $ tresor dns -config=/etc/tresor/dns.hcl -listen=127.0.0.1:8600`,
  flags: [DNS_FLAGS],
  async run(ctx, argv) {
    const { runResolver } = await import('../../dns/main.js');
    return runResolver(argv, {
      env: ctx.io.env,
      stderr: (text) => {
        ctx.io.stderr.write(text);
      },
    });
  },
};
