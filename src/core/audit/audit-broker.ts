import type { AuditDevice, AuditDeviceFactory } from '../../logical/audit.js';
import type { Storage } from '../../logical/types.js';
import type { Logger } from '../../helper/logger.js';
import { InvalidRequestError, VaultError } from '../../helper/errors.js';
import { Mutex } from '../../helper/mutex.js';
import { shortHex, uuid } from '../../helper/random.js';
import { randomBytes } from 'node:crypto';
import { STORAGE_KEYS, auditDevicePrefix } from '../storage-keys.js';
import type { HandledResponse } from '../request-handler-types.js';
import { AuditSalt } from './audit-hash.js';
import { EntryFormatter, type AuditedRequest } from './audit-entry.js';
import { AuditedHeaders } from './audited-headers.js';
import {
  COMMON_OPTIONS,
  assertPathFree,
  encodeAuditTable,
  entryOptions,
  normalizeAuditPath,
  parseAuditTable,
  type AuditTableEntry,
} from './audit-table.js';

/** How often a device that could not be opened is tried again (on the entries that reach it). */
const REOPEN_EVERY_MS = 1000;

interface Device {
  readonly entry: AuditTableEntry;
  readonly salt: AuditSalt;
  readonly formatter: EntryFormatter;
  /** `chain=true`: each entry carries `prev_hmac`, the HMAC of the entry before it. */
  readonly chain: boolean;
  /** The last entry sent (chained devices), exactly as written. */
  lastLine: string | undefined;
  open: AuditDevice | undefined;
  lastOpenAttempt: number;
}

export interface AuditBrokerDeps {
  /** The barrier (the table and each device's salt live inside it). */
  readonly storage: Storage;
  readonly factories: ReadonlyMap<string, AuditDeviceFactory>;
  readonly logger: Logger;
  /**
   * Told when no device can record any more (with why) and when one can again (undefined): the
   * node reports it where operators and load balancers look (NodeState.setDegraded).
   */
  readonly onBlocked?: (reason: string | undefined) => void;
}

/** While blocked, how often every device is sent a test entry, so recovery shows without traffic. */
const PROBE_EVERY_MS = 1000;

/** What `sys/audit/<path>` enables. */
export interface NewAuditDevice {
  readonly path: string;
  readonly type: string;
  readonly description: string;
  readonly options: Readonly<Record<string, string>>;
  readonly local: boolean;
}

/**
 * The audit devices of the active node and Vault's rule for them: with any device enabled, a
 * request is served only if at least one device recorded its request entry, and answered only if
 * at least one recorded its response entry; otherwise the client gets a 500 and the log says which
 * device failed and why. Each device has its own salt (a random UUID kept in the barrier), so its
 * hashes are its own; `sys/audit-hash` hashes with it.
 */
export class AuditBroker {
  private devices: readonly Device[] = [];
  private readonly changes = new Mutex();
  /** The request headers every device's entries record. */
  readonly headers: AuditedHeaders;
  /** Why no device could record the last entry; undefined while recording works. */
  private blockedReason: string | undefined;
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly d: AuditBrokerDeps) {
    this.headers = new AuditedHeaders(d.storage);
  }

  /** Opens every device of the stored table; one that cannot open is retried as entries reach it. */
  async load(): Promise<void> {
    await this.headers.load();
    const table = parseAuditTable(await this.d.storage.get(STORAGE_KEYS.auditTable));
    const devices: Device[] = [];
    for (const entry of table) {
      const device = this.prepare(entry, await this.saltOf(entry.uuid));
      device.open = await this.open(device).catch(() => undefined);
      devices.push(device);
    }
    this.devices = devices;
  }

  get enabled(): readonly AuditTableEntry[] {
    return this.devices.map((d) => d.entry);
  }

  enable(input: NewAuditDevice): Promise<void> {
    return this.changes.run(async () => {
      const path = normalizeAuditPath(input.path);
      assertPathFree(this.enabled, path);
      const factory = this.d.factories.get(input.type);
      if (factory === undefined) throw new InvalidRequestError(`unknown backend type: "${input.type}"`);
      const { skipTest } = entryOptions(input.options);
      const device = await factory(input.options, COMMON_OPTIONS);
      try {
        if (!skipTest) await this.testProbe(device, input.options);
        const entry: AuditTableEntry = {
          path,
          type: input.type,
          description: input.description,
          options: { ...input.options },
          local: input.local,
          uuid: uuid(),
          accessor: `audit_${input.type}_${shortHex()}`,
        };
        const salt = await this.saltOf(entry.uuid);
        await this.d.storage.put(STORAGE_KEYS.auditTable, encodeAuditTable([...this.enabled, entry]));
        const ready = this.prepare(entry, salt);
        ready.open = device;
        // A chain starts after what the device holds already (the test message, an older log).
        if (ready.chain) ready.lastLine = await device.lastLine?.();
        this.devices = [...this.devices, ready];
        this.d.logger.info({ path, type: input.type }, 'audit device enabled');
      } catch (err) {
        await device.close().catch(() => undefined);
        throw err;
      }
    });
  }

  /** Disables the device at `path` (nothing to do if none is there). */
  disable(rawPath: string): Promise<void> {
    return this.changes.run(async () => {
      const path = normalizeAuditPath(rawPath);
      const device = this.devices.find((d) => d.entry.path === path);
      if (device === undefined) return;
      await this.d.storage.put(
        STORAGE_KEYS.auditTable,
        encodeAuditTable(this.enabled.filter((e) => e.path !== path)),
      );
      this.devices = this.devices.filter((d) => d !== device);
      await device.open?.close().catch((err: unknown) => {
        this.d.logger.warn({ err, path }, 'closing the disabled audit device failed');
      });
      await this.d.storage.delete(`${auditDevicePrefix(device.entry.uuid)}salt`);
      this.d.logger.info({ path }, 'audit device disabled');
      if (this.devices.length === 0) this.setBlocked(undefined);
    });
  }

  /** `sys/audit-hash`: `input` hashed as the device at `path` writes it. */
  hash(rawPath: string, input: string): string {
    const path = rawPath.replace(/\/*$/, '/');
    const device = this.devices.find((d) => d.entry.path === path);
    if (device === undefined) throw new InvalidRequestError(`unknown audit backend "${path}"`);
    return device.salt.hash(input);
  }

  /** Records the request entry; throws (500) when devices are enabled and none recorded it. */
  async logRequest(a: AuditedRequest, error?: unknown): Promise<void> {
    await this.record('request', a, (f) => f.requestEntry(a, error));
  }

  /** Records the response entry; throws (500) when devices are enabled and none recorded it. */
  async logResponse(
    a: AuditedRequest,
    outcome: { response: HandledResponse } | { error: unknown },
  ): Promise<void> {
    await this.record('response', a, (f) => f.responseEntry(a, outcome));
  }

  /** Reopens every device's file or connection (SIGHUP, after log rotation). */
  async reopen(): Promise<void> {
    for (const device of this.devices) {
      await device.open?.reopen().catch((err: unknown) => {
        this.d.logger.error({ err, path: device.entry.path }, 'audit device could not reopen');
      });
    }
  }

  async close(): Promise<void> {
    const devices = this.devices;
    this.devices = [];
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.blockedReason = undefined;
    await Promise.all(devices.map((d) => (d.open?.close() ?? Promise.resolve()).catch(() => undefined)));
  }

  /** Writes one entry to every device; how many recorded it, and the first failure's reason. */
  private async writeAll(
    kind: string,
    render: (f: EntryFormatter) => Record<string, unknown>,
  ): Promise<{ recorded: number; failure: string | undefined }> {
    const devices = this.devices;
    const results = await Promise.allSettled(
      devices.map(async (device) => {
        const open = device.open ?? (await this.reopenFailed(device));
        // Rendered, chained and queued without a pause: the device holds entries in chain order.
        await open.write(`${this.chained(device, render(device.formatter))}\n`);
      }),
    );
    let recorded = 0;
    let failure: string | undefined;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        recorded++;
        return;
      }
      const path = devices[i]?.entry.path;
      const reason = (r.reason as Error).message;
      failure ??= `audit device ${path ?? '?'}: ${reason}`;
      this.d.logger.error({ path, reason, kind }, 'audit device failed to record an entry');
    });
    return { recorded, failure };
  }

  private async record(
    kind: 'request' | 'response',
    a: AuditedRequest,
    render: (f: EntryFormatter) => Record<string, unknown>,
  ): Promise<void> {
    if (this.devices.length === 0) return;
    const { recorded, failure } = await this.writeAll(kind, render);
    this.setBlocked(recorded === 0 ? (failure ?? 'no audit device recorded the entry') : undefined);
    if (recorded === 0) {
      this.d.logger.error(
        { kind, request_id: a.id, path: a.request.path },
        'no audit device recorded the entry; refusing the request',
      );
      throw new VaultError(500, `no audit device could record the ${kind}`, false);
    }
  }

  /**
   * Records whether no device can record (`reason`) or recording works again (undefined): logged
   * once per change, told to `onBlocked`, and while blocked every device is sent a test entry each
   * PROBE_EVERY_MS, so that the node reports recovery even when no request comes.
   */
  private setBlocked(reason: string | undefined): void {
    if ((reason === undefined) === (this.blockedReason === undefined)) {
      this.blockedReason = reason;
      return;
    }
    this.blockedReason = reason;
    if (reason !== undefined) {
      this.d.logger.error({ reason }, 'audit is blocked: no device can record, so every request is refused');
      this.probeTimer ??= setInterval(() => {
        void this.probe();
      }, PROBE_EVERY_MS);
      this.probeTimer.unref();
    } else {
      this.d.logger.info('audit recovered: a device records again');
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
    }
    this.d.onBlocked?.(reason === undefined ? undefined : `audit blocked: ${reason}`);
  }

  private probing = false;

  /** One test entry to every device, while blocked (see setBlocked). */
  private async probe(): Promise<void> {
    if (this.probing || this.blockedReason === undefined || this.devices.length === 0) return;
    this.probing = true;
    try {
      const { recorded, failure } = await this.writeAll('probe', testEntry);
      // (a function: the compiler would otherwise keep the narrowing from before the await)
      const stillBlocked = (): string | undefined => this.blockedReason;
      const reason = stillBlocked();
      if (reason !== undefined) this.setBlocked(recorded === 0 ? (failure ?? reason) : undefined);
    } finally {
      this.probing = false;
    }
  }

  /**
   * The entry as written: for a chained device with `prev_hmac`, the device's HMAC of the entry
   * before it ("" for its first), so that a removed or altered line breaks the chain
   * (`tresor audit verify`, through sys/audit-hash).
   */
  private chained(device: Device, entry: Record<string, unknown>): string {
    if (!device.chain) return JSON.stringify(entry);
    const prev = device.lastLine === undefined ? '' : device.salt.hash(device.lastLine);
    const line = JSON.stringify({ ...entry, prev_hmac: prev });
    device.lastLine = line;
    return line;
  }

  /** A device that could not be opened, tried again at most every REOPEN_EVERY_MS. */
  private async reopenFailed(device: Device): Promise<AuditDevice> {
    if (Date.now() - device.lastOpenAttempt < REOPEN_EVERY_MS)
      throw new Error('the device could not be opened; retrying shortly');
    device.open = await this.open(device);
    this.d.logger.info({ path: device.entry.path }, 'audit device opened');
    return device.open;
  }

  private async open(device: Device): Promise<AuditDevice> {
    device.lastOpenAttempt = Date.now();
    const factory = this.d.factories.get(device.entry.type);
    try {
      if (factory === undefined)
        throw new Error(`this build has no audit device of type "${device.entry.type}"`);
      const open = await factory(device.entry.options, COMMON_OPTIONS);
      // A chain continues from what the device already holds (a file after a restart).
      if (device.chain) device.lastLine = await open.lastLine?.();
      return open;
    } catch (err) {
      this.d.logger.error({ err, path: device.entry.path }, 'audit device could not be opened');
      throw err;
    }
  }

  private prepare(entry: AuditTableEntry, salt: AuditSalt): Device {
    const options = entryOptions(entry.options);
    return {
      entry,
      salt,
      formatter: new EntryFormatter(salt, options, this.headers),
      chain: options.chain,
      lastLine: undefined,
      open: undefined,
      lastOpenAttempt: 0,
    };
  }

  /** The device's salt, created on first use: a random UUID, its 36 characters the HMAC key. */
  private async saltOf(deviceUuid: string): Promise<AuditSalt> {
    const key = `${auditDevicePrefix(deviceUuid)}salt`;
    let salt = await this.d.storage.get(key);
    if (salt === undefined) {
      salt = Buffer.from(uuid(), 'utf8');
      await this.d.storage.put(key, salt);
    }
    return new AuditSalt(salt);
  }

  /** Vault's test message through a new device, hashed with a salt thrown away afterwards. */
  private async testProbe(device: AuditDevice, options: Readonly<Record<string, string>>): Promise<void> {
    const formatter = new EntryFormatter(new AuditSalt(randomBytes(32)), entryOptions(options));
    const line = testEntry(formatter);
    try {
      await device.write(`${JSON.stringify(line)}\n`);
    } catch (err) {
      throw new InvalidRequestError(`audit backend failed test message: ${(err as Error).message}`);
    }
  }
}

/** Vault's test message: a request entry for `sys/audit/test`, with nothing else in it. */
function testEntry(formatter: EntryFormatter): Record<string, unknown> {
  return formatter.requestEntry({
    id: uuid(),
    operation: 'update',
    request: {
      operation: 'update',
      path: 'sys/audit/test',
      data: {},
      clientToken: '',
      remoteAddress: '',
      headers: {},
    },
  });
}
