import { randomUUID } from 'node:crypto';

export interface Envelope {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: Record<string, unknown> | null;
  wrap_info: Record<string, unknown> | null;
  warnings: string[] | null;
  auth: Record<string, unknown> | null;
  [topLevel: string]: unknown;
}

/** Vault's response envelope: every key present, lease fields zero unless a lease exists. */
export function envelope(data: Record<string, unknown> | null, extra: Partial<Envelope> = {}): Envelope {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
    ...extra,
  };
}

/** For sys endpoints whose data keys Vault also copies to the top level (older clients read them there). */
export function envelopeWithTopLevel(data: Record<string, unknown>): Envelope {
  return { ...data, ...envelope(data) };
}
