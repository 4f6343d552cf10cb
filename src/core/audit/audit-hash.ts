import { createHmac } from 'node:crypto';

/**
 * A device's salt: HMAC-SHA256 keyed with it, as Vault writes secrets into audit entries
 * (`hmac-sha256:<hex>`). The same input always gives the same hash under one device, so an
 * operator can find a token in the log by hashing it through `sys/audit-hash`.
 */
export class AuditSalt {
  constructor(private readonly key: Buffer) {}

  hash(value: string): string {
    return `hmac-sha256:${createHmac('sha256', this.key).update(value, 'utf8').digest('hex')}`;
  }

  /**
   * Every string at any depth of maps and arrays, hashed; map keys, numbers, booleans and null as
   * they are. A value under a map key in `keep` (a mount's audit_non_hmac_*_keys) stays as it is.
   */
  hashData(value: unknown, keep?: ReadonlySet<string>): unknown {
    if (typeof value === 'string') return this.hash(value);
    if (Array.isArray(value)) return value.map((v) => this.hashData(v, keep));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        out[k] = keep?.has(k) === true ? v : this.hashData(v, keep);
      return out;
    }
    return value;
  }
}
