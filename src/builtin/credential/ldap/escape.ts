/**
 * The text handling that keeps LDAP logins injection-safe: escaping of values placed into search
 * filters (RFC 4515) and into DNs (RFC 4514), the `{{.Field}}` filter templates Vault's config
 * uses (groupfilter, userfilter), and extracting a group's CN from a DN.
 */
import { FilterParser } from 'ldapts';
import { InvalidRequestError } from '../../../helper/errors.js';

/**
 * Escapes a value for an LDAP search filter: `( ) * \` and NUL, and every byte of a non-ASCII
 * character, become `\XX` (as go-ldap's EscapeFilter does), so user input can only ever be a
 * literal value, never filter syntax or a wildcard.
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const mustEscape =
      byte > 0x7f || byte === 0x28 || byte === 0x29 || byte === 0x2a || byte === 0x5c || byte === 0;
    out += mustEscape ? `\\${byte.toString(16).padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

/**
 * Escapes a value for use as an attribute value in a DN (RFC 4514): `" + , ; < > \ =` are
 * backslash-escaped, NUL becomes `\00`, and a leading `#` or space and a trailing space are escaped.
 */
export function escapeDnValue(value: string): string {
  const chars = Array.from(value); // code points: escaping looks at ASCII characters only
  return chars
    .map((ch, i) => {
      if (ch === '\0') return '\\00';
      if ('"+,;<>\\='.includes(ch)) return `\\${ch}`;
      if (i === 0 && (ch === '#' || ch === ' ')) return `\\${ch}`;
      if (i === chars.length - 1 && ch === ' ') return '\\ ';
      return ch;
    })
    .join('');
}

const ACTION = /\{\{(.*?)\}\}/g;
const FIELD = /^\s*\.(\w+)\s*$/;

/**
 * Checks a filter template: only `{{.Field}}` actions naming one of `fields` are allowed (Vault
 * uses Go templates; nothing beyond field substitution is meaningful in a filter), and the filter
 * it renders must parse.
 */
export function validateTemplate(template: string, fields: readonly string[], param: string): void {
  for (const m of template.matchAll(ACTION)) {
    const field = FIELD.exec(m[1] ?? '')?.[1];
    if (field === undefined || !fields.includes(field)) {
      throw new InvalidRequestError(
        `invalid ${param}: unsupported template action "${m[0]}"; use ${fields.map((f) => `{{.${f}}}`).join(' or ')}`,
      );
    }
  }
  if (template.replace(ACTION, '').includes('{{'))
    throw new InvalidRequestError(`invalid ${param}: unclosed "{{" action`);
  if (template === '') return;
  try {
    FilterParser.parseString(renderFilter(template, Object.fromEntries(fields.map((f) => [f, 'x']))));
  } catch (err) {
    throw new InvalidRequestError(`invalid ${param}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Renders a validated template; every value is filter-escaped before substitution. */
export function renderFilter(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(ACTION, (_all, inner: string) => {
    const field = FIELD.exec(inner)?.[1] ?? '';
    return escapeFilterValue(values[field] ?? '');
  });
}

/** Splits a DN into its attribute type/value pairs (RFC 4514); undefined when it is not a DN. */
export function parseDn(dn: string): { type: string; value: string }[] | undefined {
  const out: { type: string; value: string }[] = [];
  let i = 0;
  const text = dn.trim();
  if (text === '') return undefined;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq === -1) return undefined;
    const type = text.slice(i, eq).trim();
    if (!/^[A-Za-z][\w-]*$|^\d+(?:\.\d+)*$/.test(type)) return undefined;
    let value = '';
    const bytes: number[] = [];
    const flush = (): void => {
      if (bytes.length > 0) value += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    };
    i = eq + 1;
    for (; i < text.length; i++) {
      const ch = text.charAt(i);
      if (ch === '\\') {
        const hex = text.slice(i + 1, i + 3);
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
          bytes.push(Number.parseInt(hex, 16));
          i += 2;
          continue;
        }
        flush();
        if (i + 1 >= text.length) return undefined;
        value += text.charAt(++i);
        continue;
      }
      if (ch === ',' || ch === '+' || ch === ';') break;
      flush();
      value += ch;
    }
    flush();
    out.push({ type, value: value.trim() });
    i++;
  }
  return out;
}

/**
 * The first CN value of a DN, or the input itself when it is not a DN or has no CN (Vault's
 * getCN). `exactCase` matches only the type spelled "CN" (Vault's pre-1.11 behaviour).
 */
export function cnOf(dn: string, exactCase = false): string {
  const rdns = parseDn(dn);
  const isCn = (type: string): boolean => (exactCase ? type === 'CN' : type.toLowerCase() === 'cn');
  return rdns?.find((a) => isCn(a.type))?.value ?? dn;
}
