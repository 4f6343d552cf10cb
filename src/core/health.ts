import { InvalidRequestError } from '../helper/errors.js';
import { roleOf, type NodeStateName } from './node-state.js';

export interface HealthInput {
  readonly initialized: boolean;
  readonly state: NodeStateName;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
}

const CODE_PARAMS = [
  'activecode',
  'standbycode',
  'drsecondarycode',
  'performancestandbycode',
  'sealedcode',
  'uninitcode',
  'haunhealthycode',
  'removedcode',
] as const;

function intParam(query: HealthInput['query'], name: string, fallback: number): number {
  const raw = query[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value))
    throw new InvalidRequestError(`bad code value: ${name} must be an integer status code, got "${value}"`);
  const n = Number.parseInt(value, 10);
  if (n < 100 || n > 599)
    throw new InvalidRequestError(`bad code value: ${name} must be between 100 and 599`);
  return n;
}

function boolParam(query: HealthInput['query'], name: string): boolean {
  const raw = query[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return false;
  // Vault treats the mere presence of standbyok/perfstandbyok as true unless explicitly false.
  if (value === '') return true;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new InvalidRequestError(`${name} must be a boolean, got "${value}"`);
}

/**
 * sys/health's status code, as Vault chooses it: uninitialised > sealed > standby > active, each
 * overridable by a query parameter; `standbyok` makes a standby answer with the active code.
 */
export function healthStatusCode(input: HealthInput): number {
  const codes = Object.fromEntries(CODE_PARAMS.map((p) => [p, 0])) as Record<
    (typeof CODE_PARAMS)[number],
    number
  >;
  codes.activecode = intParam(input.query, 'activecode', 200);
  codes.standbycode = intParam(input.query, 'standbycode', 429);
  codes.drsecondarycode = intParam(input.query, 'drsecondarycode', 472);
  codes.performancestandbycode = intParam(input.query, 'performancestandbycode', 473);
  codes.sealedcode = intParam(input.query, 'sealedcode', 503);
  codes.uninitcode = intParam(input.query, 'uninitcode', 501);
  codes.haunhealthycode = intParam(input.query, 'haunhealthycode', 474);
  codes.removedcode = intParam(input.query, 'removedcode', 530);
  const standbyOk = boolParam(input.query, 'standbyok');
  boolParam(input.query, 'perfstandbyok');
  if (!input.initialized || input.state === 'uninitialized') return codes.uninitcode;
  if (input.state === 'sealed') return codes.sealedcode;
  if (roleOf(input.state) === 'standby') return standbyOk ? codes.activecode : codes.standbycode;
  return codes.activecode;
}
