import { combine, split } from 'shamir-secret-sharing';

/**
 * Shamir secret sharing over GF(256) (the audited shamir-secret-sharing library). A share is
 * the secret's length plus one byte (the x-coordinate): 33 bytes for a 32-byte key, as in Vault.
 * With one share the share is the secret itself, as Vault does for 1-of-1.
 */
export async function splitSecret(secret: Buffer, shares: number, threshold: number): Promise<Buffer[]> {
  if (shares === 1) return [Buffer.from(secret)];
  const parts = await split(new Uint8Array(secret), shares, threshold);
  return parts.map((p) => Buffer.from(p));
}

export async function combineShares(shares: readonly Buffer[]): Promise<Buffer> {
  if (shares.length === 1) return Buffer.from(shares[0] ?? Buffer.alloc(0));
  return Buffer.from(await combine(shares.map((s) => new Uint8Array(s))));
}
