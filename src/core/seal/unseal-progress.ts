import { uuid } from '../../helper/random.js';
import { constantTimeEqual } from '../../helper/constant-time.js';

/**
 * Collects unseal key shares until the threshold is reached. A repeated share is ignored (it
 * does not count twice), as in Vault. The nonce identifies one unseal attempt.
 */
export class UnsealProgress {
  private shares: Buffer[] = [];
  private currentNonce = '';

  get progress(): number {
    return this.shares.length;
  }

  get nonce(): string {
    return this.currentNonce;
  }

  /** Adds a share; returns the collected shares once `threshold` distinct ones are present. */
  add(share: Buffer, threshold: number): Buffer[] | undefined {
    if (this.currentNonce === '') this.currentNonce = uuid();
    if (!this.shares.some((s) => constantTimeEqual(s, share))) this.shares.push(Buffer.from(share));
    if (this.shares.length < threshold) return undefined;
    const done = this.shares;
    this.shares = [];
    this.currentNonce = '';
    return done;
  }

  reset(): void {
    for (const s of this.shares) s.fill(0);
    this.shares = [];
    this.currentNonce = '';
  }
}
