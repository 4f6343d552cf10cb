/**
 * One normal form of an LDAP login name, used for the bind, the local mappings and the lockout
 * counter alike. Directories compare user names loosely (RFC 4518 string preparation:
 * compatibility forms folded, invisible characters dropped, runs of spaces collapsed, leading and
 * trailing spaces ignored, case ignored), so `alice`, `alice  ` and `Alice` are one account: they
 * must also be one lockout identity, or a trailing space buys a fresh counter.
 */

// RFC 4518 §2.2: characters mapped to nothing (soft hyphen, joiners, variation selectors, BOM,
// object replacement) and control characters other than those mapped to space.
const MAPPED_TO_NOTHING_RANGES: readonly (readonly [number, number])[] = [
  [0x00, 0x08],
  [0x0e, 0x1f],
  [0x7f, 0x84],
  [0x86, 0x9f],
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x1806, 0x1806],
  [0x180b, 0x180e],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x2064],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xfffc, 0xfffc],
];
const mappedToNothing = (c: string): boolean => {
  const cp = c.codePointAt(0) ?? 0;
  return MAPPED_TO_NOTHING_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi);
};
// Tab, line breaks, NEL and every Unicode space separator count as a space.
const SPACES = /[\s\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+/gu;

/** The name as the directory will see it (case kept: the directory's matching ignores it). */
export function normalizeLdapUsername(raw: string): string {
  return Array.from(raw.normalize('NFKC'))
    .filter((c) => !mappedToNothing(c))
    .join('')
    .replace(SPACES, ' ')
    .trim();
}

/** The lockout identity of a login name: its normal form, case folded. */
export function ldapLockoutKey(raw: string): string {
  return normalizeLdapUsername(raw).toLowerCase();
}
