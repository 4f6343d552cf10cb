/** The keys of one transaction of file-crash-writer.ts: 15 leaves, and c, which its next one deletes. */
export const TXN_KEYS: readonly string[] = [
  ...Array.from({ length: 15 }, (_, i) => `k${String(i).padStart(2, '0')}`),
  'c',
];
