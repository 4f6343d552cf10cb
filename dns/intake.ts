/**
 * What the UDP and TCP listeners do with every received message, in order: the header check of
 * packet.ts (runts and responses dropped, impossible headers answered FORMERR), the fast path
 * (a cached answer from the bytes alone), then dns2's parser. Never throws.
 */
import dns2 from 'dns2';
import { checkQuery, formerrFor } from './packet.js';

/** Answers a received query from its bytes alone, or returns undefined to have it parsed. */
export type FastAnswer = (data: Buffer) => Buffer | undefined;

/**
 * Bytes to send back at once (a FORMERR or a fast answer), the parsed query to resolve, or
 * undefined when nothing is to be sent. Malformed messages are reported to `onMalformed`.
 */
export function intake(
  data: Buffer,
  fast: FastAnswer,
  onMalformed: (reason: string) => void,
): Buffer | dns2.Packet | undefined {
  const verdict = checkQuery(data);
  if (verdict !== 'parse') {
    onMalformed(verdict === 'drop' ? 'not a query' : 'malformed header');
    return verdict === 'formerr' ? formerrFor(data) : undefined;
  }
  const answer = fast(data);
  if (answer !== undefined) return answer;
  try {
    return dns2.Packet.parse(data);
  } catch (err) {
    onMalformed(err instanceof Error ? err.message : String(err));
    return formerrFor(data);
  }
}
