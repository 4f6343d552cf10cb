import { InvalidRequestError } from './errors.js';

/**
 * How deeply JSON from a client may nest (objects and arrays). JSON.parse copes with far more, but
 * whatever walks the value afterwards (merge-patch, canonicalisation, size checks, serialisation)
 * recurses and would overflow the stack; no real secret or configuration nests this deep.
 */
export const MAX_JSON_DEPTH = 500;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of objects and arrays in JSON text (brackets inside strings do not count). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return max;
}

/** JSON.parse for client input, refusing (400, naming `what` and the limit) nesting deeper than MAX_JSON_DEPTH. */
export function parseClientJson(text: string, what: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new InvalidRequestError(
      `failed to parse ${what}: JSON nests deeper than the limit of ${MAX_JSON_DEPTH} levels`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidRequestError(`failed to parse ${what}: ${withoutInput((err as Error).message)}`);
  }
}

/** V8 quotes the start of the input in some messages ("Unexpected token …, "{…" is not valid JSON"): keep it out. */
function withoutInput(message: string): string {
  return message.includes('" is not valid JSON') ? 'unexpected character, not valid JSON' : message;
}
