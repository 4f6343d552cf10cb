/**
 * The bundled DNS resolver as a library (`startResolver`, for the dev cluster and tests) and as a
 * command (`runResolver`, behind `tresor dns`).
 *
 *   tresor dns [-config=FILE] [-listen=ADDR] [-consul=ADDR] [-upstream=ADDR]... [-http=ADDR] [-log-level=LEVEL]
 *
 *   -config     HCL or JSON configuration file (see config.ts); without it, the defaults
 *   -listen     DNS address for UDP and TCP, e.g. "127.0.0.1:8600" (overrides listener.address)
 *   -consul     Consul HTTP address, e.g. "127.0.0.1:8500" (overrides consul.address)
 *   -upstream   upstream resolver for names outside the domain; repeatable; replaces `upstreams`
 *   -http       address of /health and /metrics (overrides http.address)
 *   -log-level  trace, debug, info, warn or error (overrides log_level)
 *
 * It runs until SIGINT or SIGTERM, then stops cleanly (exit code 0); a bad flag, a bad
 * configuration or a port it cannot bind ends it with exit code 1 and the reason on stderr.
 */
import { ConfigError } from '../src/config/errors.js';
import { FlagError, parseFlags, type FlagGroup } from '../src/helper/go/flags.js';
import { createLogger, type Logger, type LogLevel } from '../src/helper/logger.js';
import { preflightConsul } from '../consul/client/preflight.js';
import { ConsulClient } from '../consul/client/client.js';
import { consulClientOptions, lockKeyUnder } from '../consul/contract.js';
import { loadResolverConfig, resolverConfig, withOverrides, type ResolverConfig } from './config.js';
import { startHttpEndpoint, type HealthReport } from './http.js';
import { DnsMetrics } from './metrics.js';
import { DnsServer } from './server.js';
import { ConsulView } from './view.js';

/** A running resolver. */
export interface RunningResolver {
  readonly udpPort: number;
  readonly tcpPort: number;
  readonly httpPort: number;
  readonly view: ConsulView;
  readonly metrics: DnsMetrics;
  /** What /health reports. */
  health(): HealthReport;
  /** Stops the listeners, the HTTP endpoint and the Consul watches. */
  stop(): Promise<void>;
}

/** Options of startResolver. */
export interface StartResolverOptions {
  /** Logger (a child `{ subsystem: 'dns' }` is used); by default one at the config's level on stderr. */
  readonly logger?: Logger;
}

/** Starts the resolver: watches Consul, listens for DNS (UDP and TCP) and HTTP. */
export async function startResolver(
  config: ResolverConfig,
  options: StartResolverOptions = {},
): Promise<RunningResolver> {
  const logger = (options.logger ?? createLogger(config.logLevel)).child({ subsystem: 'dns' });
  const metrics = new DnsMetrics();
  await preflightConsul(consulClientOptions(config.consul), 'resolver consul', logger);
  const client = new ConsulClient(consulClientOptions(config.consul));
  const view = new ConsulView({
    client,
    lockKey: lockKeyUnder(config.consul.path),
    waitMs: config.consul.waitMs,
    logger,
    onWatchError: (watch) => {
      metrics.watchErrors.inc({ watch: watch.startsWith('service:') ? 'service' : watch });
    },
    onChange: () => {
      metrics.viewUpdates.inc();
    },
  });
  const dns = new DnsServer({ config, view: () => view.snapshot(), metrics, logger });
  view.start();
  let ports: { udpPort: number; tcpPort: number };
  try {
    ports = await dns.listen();
  } catch (err) {
    view.stop();
    client.close();
    throw err;
  }

  const health = (): HealthReport => {
    const status = view.status();
    const reasons: string[] = [];
    if (!dns.listening.udp) reasons.push('the DNS UDP listener is down');
    if (!dns.listening.tcp) reasons.push('the DNS TCP listener is down');
    if (status.ageMs === undefined) reasons.push('the view of Consul is not loaded yet');
    else if (status.ageMs > config.maxStaleMs)
      reasons.push(
        `the view of Consul is stale: last confirmed ${(status.ageMs / 1000).toFixed(1)} s ago (max_stale ${config.maxStaleMs / 1000} s)`,
      );
    const snapshot = view.snapshot();
    const lock = snapshot.lock;
    return {
      healthy: reasons.length === 0,
      reasons,
      details: {
        view_age_seconds: status.ageMs === undefined ? null : status.ageMs / 1000,
        failing_watches: status.failing,
        services: snapshot.services.size,
        nodes: snapshot.nodes.size,
        lock:
          lock.state === 'held'
            ? { state: 'held', api_addr: lock.advertisement?.apiAddr ?? null }
            : { state: lock.state },
      },
    };
  };
  const metricsText = (): string => {
    const status = view.status();
    return metrics.render({
      viewAgeSeconds: status.ageMs === undefined ? Number.NaN : status.ageMs / 1000,
      viewReady: status.ageMs !== undefined && status.ageMs <= config.maxStaleMs,
      udpUp: dns.listening.udp,
      tcpUp: dns.listening.tcp,
      servicesWatched: view.snapshot().services.size,
    });
  };

  let http;
  try {
    http = await startHttpEndpoint(config.http.host, config.http.port, { health, metrics: metricsText });
  } catch (err) {
    await dns.close();
    view.stop();
    client.close();
    throw err;
  }
  logger.info(
    {
      dns: `${config.listener.host}:${ports.udpPort}`,
      http: `${config.http.host}:${http.port}`,
      domain: config.domain,
    },
    'DNS resolver listening',
  );

  let stopped = false;
  return {
    ...ports,
    httpPort: http.port,
    view,
    metrics,
    health,
    async stop() {
      if (stopped) return;
      stopped = true;
      view.stop();
      await Promise.all([dns.close(), http.close()]);
      client.close();
    },
  };
}

/** The flags of `tresor dns`, for the CLI's help. */
export const DNS_FLAGS: FlagGroup = {
  title: 'Command Options',
  flags: [
    { name: 'config', kind: 'string', usage: 'Path to the resolver configuration file (HCL or JSON).' },
    { name: 'listen', kind: 'string', usage: 'DNS address (UDP and TCP), such as "127.0.0.1:8600".' },
    { name: 'consul', kind: 'string', usage: 'Address of the Consul HTTP API, such as "127.0.0.1:8500".' },
    {
      name: 'upstream',
      kind: 'strings',
      usage:
        'Upstream resolver for names outside the domain ("ip[:port]"). Repeatable; replaces the configured list.',
    },
    { name: 'http', kind: 'string', usage: 'Address of the /health and /metrics endpoint.' },
    { name: 'log-level', kind: 'string', usage: 'Log level: trace, debug, info, warn or error.' },
  ],
};

/** Options of runResolver. */
export interface RunResolverOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where errors go; stderr by default. */
  readonly stderr?: (text: string) => void;
  /** Stops the resolver (besides SIGINT and SIGTERM). */
  readonly signal?: AbortSignal;
  /** Called once listening (tests). */
  readonly onStarted?: (resolver: RunningResolver) => void;
}

/** `tresor dns`: runs the resolver until SIGINT/SIGTERM (or `signal`); resolves with the exit code. */
export async function runResolver(
  argv: readonly string[],
  options: RunResolverOptions = {},
): Promise<number> {
  const env = options.env ?? process.env;
  const stderr = options.stderr ?? ((text: string) => process.stderr.write(text));
  let config: ResolverConfig;
  try {
    const { flags, args } = parseFlags([DNS_FLAGS], argv, env);
    if (args.length > 0) throw new FlagError(`unexpected arguments: ${args.join(' ')}`);
    const file = flags.string('config');
    const base = file === '' ? resolverConfig({}, 'defaults', env) : await loadResolverConfig(file, env);
    const level = flags.string('log-level').trim().toLowerCase();
    if (level !== '' && !['trace', 'debug', 'info', 'warn', 'error'].includes(level))
      throw new FlagError(`unknown log level: ${flags.string('log-level')}`);
    config = withOverrides(base, {
      ...(flags.isSet('listen') ? { listen: flags.string('listen') } : {}),
      ...(flags.isSet('consul') ? { consul: flags.string('consul') } : {}),
      ...(flags.isSet('upstream') ? { upstreams: flags.strings('upstream') } : {}),
      ...(flags.isSet('http') ? { http: flags.string('http') } : {}),
    });
    if (level !== '') config = Object.freeze({ ...config, logLevel: level as LogLevel });
  } catch (err) {
    if (err instanceof FlagError || err instanceof ConfigError) {
      stderr(`${err.message}\n`);
      return 1;
    }
    throw err;
  }

  let resolver: RunningResolver;
  try {
    resolver = await startResolver(config);
  } catch (err) {
    stderr(`Error starting the DNS resolver: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  options.onStarted?.(resolver);
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      options.signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (options.signal?.aborted === true) done();
    else options.signal?.addEventListener('abort', done, { once: true });
  });
  await resolver.stop();
  return 0;
}
