import type { Storage } from '../../logical/types.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { STORAGE_KEYS } from '../storage-keys.js';

/** One request header the audit entries carry (`sys/config/auditing/request-headers/<name>`). */
export interface AuditedHeader {
  /** As configured (Vault keeps the canonical form, "X-Forwarded-For"). */
  readonly name: string;
  /** Whether its values are HMAC'd like secrets. */
  readonly hmac: boolean;
}

/** A header selected from a request: its lowercased name, its values, and whether to hash them. */
export interface SelectedHeader {
  readonly key: string;
  readonly values: readonly string[];
  readonly hmac: boolean;
}

/** Go's http.CanonicalHeaderKey: "x-forwarded-for" → "X-Forwarded-For". */
function canonical(name: string): string {
  return name
    .split('-')
    .map((part) => part.slice(0, 1).toUpperCase() + part.slice(1).toLowerCase())
    .join('-');
}

/**
 * The request headers audit entries record, kept in the barrier (STORAGE_KEYS.auditedHeaders):
 * matched case-insensitively, recorded under their lowercased name with their values as a list.
 */
export class AuditedHeaders {
  private headers = new Map<string, AuditedHeader>();

  constructor(private readonly storage: Storage) {}

  async load(): Promise<void> {
    const raw = await this.storage.get(STORAGE_KEYS.auditedHeaders);
    const list = raw === undefined ? [] : (JSON.parse(raw.toString('utf8')) as AuditedHeader[]);
    this.headers = new Map(list.map((h) => [h.name.toLowerCase(), h]));
  }

  get all(): readonly AuditedHeader[] {
    return [...this.headers.values()];
  }

  get(name: string): AuditedHeader | undefined {
    return this.headers.get(name.toLowerCase());
  }

  async set(name: string, hmac: boolean): Promise<void> {
    if (name === '' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new InvalidRequestError(`"${name}" is not a valid header name`);
    const next = new Map(this.headers);
    next.set(name.toLowerCase(), { name: canonical(name), hmac });
    await this.save(next);
  }

  async remove(name: string): Promise<void> {
    const next = new Map(this.headers);
    if (!next.delete(name.toLowerCase())) return;
    await this.save(next);
  }

  /** The configured headers a request carries. */
  select(headers: Readonly<Record<string, string | string[] | undefined>>): SelectedHeader[] {
    if (this.headers.size === 0) return [];
    const out: SelectedHeader[] = [];
    for (const [key, value] of Object.entries(headers)) {
      const config = this.headers.get(key.toLowerCase());
      if (config === undefined || value === undefined) continue;
      out.push({ key: key.toLowerCase(), values: Array.isArray(value) ? value : [value], hmac: config.hmac });
    }
    return out;
  }

  private async save(next: Map<string, AuditedHeader>): Promise<void> {
    await this.storage.put(
      STORAGE_KEYS.auditedHeaders,
      Buffer.from(JSON.stringify([...next.values()]), 'utf8'),
    );
    this.headers = next;
  }
}
