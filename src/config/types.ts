/**
 * The server configuration after validation and normalisation: Vault's snake_case keys become
 * camelCase, every duration is a number of seconds, every boolean is a boolean, every default is
 * filled in. `loadConfig` returns it deeply frozen; the rest of the server receives it as is.
 */

/** Vault's log levels ("warning" and "err" are accepted on input and normalised). */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Vault's log formats. */
export type LogFormat = 'standard' | 'json';

/** Minimum TLS protocol versions, Vault's spelling. */
export type TlsVersion = 'tls10' | 'tls11' | 'tls12' | 'tls13';

/** TLS towards a Consul agent. File paths were checked to be readable at load time. */
export interface ConsulTlsConfig {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly minVersion: TlsVersion;
  readonly skipVerify: boolean;
}

/** How to reach a Consul agent: shared by `storage`, `ha_storage` and `service_registration`. */
export interface ConsulConnectionConfig {
  /** "host:port", or "unix:///path/to/socket". A scheme prefix in the file moved to `scheme`. */
  readonly address: string;
  readonly scheme: 'http' | 'https';
  /** ACL token; from the file, else CONSUL_HTTP_TOKEN. */
  readonly token?: string;
  readonly tls: ConsulTlsConfig;
}

/** The service a node registers in Consul (Vault's keys). */
export interface ConsulServiceConfig {
  /** Service name, "vault" by default. */
  readonly service: string;
  /** Extra tags, besides active/standby/initialized. */
  readonly serviceTags: readonly string[];
  /** Unset: the host of api_addr. "": the Consul agent's address. */
  readonly serviceAddress?: string;
  /** TTL of the sealed-status check, seconds (Vault's check_timeout, 5s). */
  readonly checkTimeout: number;
}

/** `storage "inmem"`: nothing survives a restart. */
export interface InmemStorageConfig {
  readonly type: 'inmem';
}

/** `storage "file"`: one file per key below `path`. */
export interface FileStorageConfig {
  readonly type: 'file';
  readonly path: string;
}

/** `storage "consul"` or `ha_storage "consul"`. Durations are seconds. */
export interface ConsulStorageConfig extends ConsulConnectionConfig, ConsulServiceConfig {
  readonly type: 'consul';
  /** KV prefix: no leading slash, always a trailing one ("vault/"). */
  readonly path: string;
  /** TTL of the lock session (15s, Vault's default; Consul's floor is its session_ttl_min). */
  readonly sessionTtl: number;
  /** Wait of the blocking queries on the lock key (15s). */
  readonly lockWaitTime: number;
  readonly maxParallel: number;
  readonly consistencyMode: 'default' | 'strong';
  /** Vault's `disable_registration`: no service registration from this block. */
  readonly disableRegistration: boolean;
  /**
   * tresor's own: lock-delay of the lock session in ms (250ms, Vault hard-codes 15s). Writes are fenced
   * by a check-session in every transaction, so a short delay is safe.
   */
  readonly lockDelayMs: number;
  /**
   * tresor's own: TTL in ms of the health check the lock session is bound to (1.5s). The active node
   * passes it several times per TTL; a killed node loses the lock within this time.
   */
  readonly checkTtlMs: number;
}

/** The storage section: a discriminated union on `type`. */
export type StorageConfig = InmemStorageConfig | FileStorageConfig | ConsulStorageConfig;

/**
 * Effective Consul service registration: from a `service_registration "consul"` block, else from
 * a Consul `ha_storage`, else from a Consul `storage` (Vault's order), unless disabled there.
 */
export interface ServiceRegistrationConfig extends ConsulConnectionConfig, ConsulServiceConfig {
  readonly type: 'consul';
  /** The block these settings came from. */
  readonly source: 'service_registration' | 'ha_storage' | 'storage';
  /** tresor's own: Consul removes a crashed node's entry after its check stayed critical this long (seconds, 1h; 0 = never). */
  readonly deregisterCriticalServiceAfter: number;
}

/** TLS of a listener; present only when TLS is enabled. Files were checked at load time. */
export interface ListenerTlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile?: string;
  readonly requireAndVerifyClientCert: boolean;
  readonly disableClientCerts: boolean;
  readonly minVersion: TlsVersion;
}

/** One `listener "tcp"` block. */
export interface TcpListenerConfig {
  readonly type: 'tcp';
  /** As configured, "host:port" (default 127.0.0.1:8200). */
  readonly address: string;
  /** Host part without brackets; "" means every interface (`:8200`). */
  readonly host: string;
  readonly port: number;
  /** "host:port" of the cluster port (default: address port + 1). */
  readonly clusterAddress: string;
  /** Absent: plain HTTP (`tls_disable`). */
  readonly tls?: ListenerTlsConfig;
  /** Request body limit in bytes (32 MiB); 0 means no limit (a negative value in the file). */
  readonly maxRequestSize: number;
  /** Seconds (90). */
  readonly maxRequestDuration: number;
  /** IPs and CIDRs whose X-Forwarded-For is trusted; empty: none. */
  readonly xForwardedForAuthorizedAddrs: readonly string[];
  /** tresor's own: a standby answers 307 to the active instead of forwarding. */
  readonly standbyRedirect: boolean;
  /** `telemetry { unauthenticated_metrics_access }` of the listener, else the top-level one. */
  readonly unauthenticatedMetricsAccess: boolean;
}

/** The seal; only Shamir for now. */
export interface SealConfig {
  readonly type: 'shamir';
}

/** The `telemetry` block. */
export interface TelemetryConfig {
  /** Seconds (24h); 0 disables the Prometheus format. */
  readonly prometheusRetentionTime: number;
  readonly disableHostname: boolean;
  readonly unauthenticatedMetricsAccess: boolean;
}

/** One `user_lockout` block: seconds for durations; unset keys fall back to "all", then Vault's defaults. */
export interface UserLockoutConfig {
  readonly threshold?: number;
  readonly duration?: number;
  readonly counterReset?: number;
  readonly disabled?: boolean;
}

/** The whole, normalised server configuration. */
export interface ServerConfig {
  readonly storage: StorageConfig;
  readonly haStorage?: ConsulStorageConfig;
  /** At least one. */
  readonly listeners: readonly TcpListenerConfig[];
  readonly serviceRegistration?: ServiceRegistrationConfig;
  readonly seal: SealConfig;
  /** Client URL of this node (origin form, no trailing slash): from VAULT_API_ADDR, the file, or the first listener. */
  readonly apiAddr: string;
  /** Node-to-node URL: from VAULT_CLUSTER_ADDR, the file, or api_addr's host with the cluster port. */
  readonly clusterAddr: string;
  readonly clusterName?: string;
  readonly ui: boolean;
  readonly disableMlock: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Seconds (768h). */
  readonly defaultLeaseTtl: number;
  /** Seconds (768h); never below defaultLeaseTtl. */
  readonly maxLeaseTtl: number;
  readonly disableCache: boolean;
  readonly pluginDirectory?: string;
  readonly rawStorageEndpoint: boolean;
  readonly telemetry: TelemetryConfig;
  readonly pidFile?: string;
  /**
   * Server-wide user lockout defaults (Vault's `user_lockout` blocks), by label: "all" and/or an
   * auth method type ("userpass", "ldap", "approle"). A mount's user_lockout_config overrides them.
   */
  readonly userLockout: Readonly<Record<string, UserLockoutConfig>>;
  /** The files the configuration was read from, in order ("-dev" for devConfig). */
  readonly files: readonly string[];
  /** Things worth logging at start (e.g. a derived api_addr). */
  readonly warnings: readonly string[];
}

// ---- Validated file input, before merging and normalisation (used inside src/config only) ----

/** Validated body of a Consul connection (joi output: defaults filled, values converted). */
export interface RawConsulConnection {
  address?: string;
  scheme?: 'http' | 'https';
  token?: string;
  tls_ca_file?: string;
  tls_cert_file?: string;
  tls_key_file?: string;
  tls_min_version: TlsVersion;
  tls_skip_verify: boolean;
  service: string;
  service_tags: string[];
  service_address?: string;
  disable_registration: boolean;
  check_timeout: number;
}

/** Validated body of `storage "consul"`. */
export interface RawConsulStorage extends RawConsulConnection {
  path: string;
  session_ttl: number;
  lock_wait_time: number;
  max_parallel: number;
  consistency_mode: 'default' | 'strong';
  lock_delay: number;
  check_ttl: number;
}

/** Validated body of `service_registration "consul"`. */
export interface RawServiceRegistration extends RawConsulConnection {
  deregister_critical_service_after: number;
}

/** Validated body of a `telemetry` block. */
export interface RawTelemetry {
  prometheus_retention_time?: number;
  disable_hostname?: boolean;
  unauthenticated_metrics_access?: boolean;
}

/** Validated body of `listener "tcp"`. */
export interface RawTcpListener {
  address: string;
  cluster_address?: string;
  tls_disable: boolean;
  tls_cert_file?: string;
  tls_key_file?: string;
  tls_client_ca_file?: string;
  tls_require_and_verify_client_cert: boolean;
  tls_disable_client_certs: boolean;
  tls_min_version: TlsVersion;
  max_request_size: number;
  max_request_duration: number;
  x_forwarded_for_authorized_addrs: string[];
  standby_redirect: boolean;
  telemetry?: { unauthenticated_metrics_access?: boolean };
}

/** Validated top-level attributes (blocks excluded). */
export interface RawTopLevel {
  api_addr?: string;
  cluster_addr?: string;
  cluster_name?: string;
  ui?: boolean;
  disable_mlock?: boolean;
  log_level?: LogLevel;
  log_format?: LogFormat;
  default_lease_ttl?: number;
  max_lease_ttl?: number;
  disable_cache?: boolean;
  plugin_directory?: string;
  raw_storage_endpoint?: boolean;
  pid_file?: string;
}

/** A validated block body and where it was written (`where`: "listener.tcp[0]"). */
export interface Located<T> {
  readonly file: string;
  readonly where: string;
  readonly body: T;
}

/** The blocks that may appear once in a configuration (ConfigSections.blocks keys). */
export type SingleBlock = 'storage' | 'haStorage' | 'serviceRegistration' | 'seal';

/** A validated block of a kind that appears once: its type label ("consul") and body. */
export interface RawBlock {
  readonly type: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/** Everything one file sets, validated but not yet merged with other files nor defaulted. */
export interface ConfigSections {
  readonly file: string;
  readonly top: RawTopLevel;
  readonly blocks: Readonly<Partial<Record<SingleBlock, Located<RawBlock>>>>;
  readonly listeners: readonly Located<RawTcpListener>[];
  readonly telemetry?: Located<RawTelemetry>;
  readonly userLockout?: Readonly<Record<string, Located<RawUserLockout>>>;
}

/** Validated body of one `user_lockout` block. */
export interface RawUserLockout {
  lockout_threshold?: number;
  lockout_duration?: number;
  lockout_counter_reset?: number;
  disable_lockout?: boolean;
}
