/**
 * The top frames of a V8 CPU profile (`node --cpu-prof`, e.g. TRESOR_CPU_PROF=DIR with
 * bench/compare.ts): self time per function, as a share of the samples where the process was
 * not idle, and the same grouped by package (node_modules/<name>, node:internal, tresor's own).
 *   npx tsx bench/profile-top.ts FILE.cpuprofile [N]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly hitCount?: number;
  readonly children?: number[];
}

const [file, n = '25'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: profile-top.ts FILE.cpuprofile [N]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
const hits = new Map<number, number>();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);

const byFrame = new Map<string, number>();
const byPackage = new Map<string, number>();
let busy = 0;
let idle = 0;
for (const node of profile.nodes) {
  const count = hits.get(node.id) ?? 0;
  if (count === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === '(idle)') {
    idle += count;
    continue;
  }
  busy += count;
  const where = url.replace(/^file:\/\/.*?\/(node_modules|src|consul|dns)\//, '$1/');
  const frame = `${functionName === '' ? '(anonymous)' : functionName} ${where}:${lineNumber + 1}`;
  byFrame.set(frame, (byFrame.get(frame) ?? 0) + count);
  const pkg =
    /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
    (url.startsWith('node:')
      ? 'node:internal'
      : url === ''
        ? `(${functionName.replace(/[()]/g, '')})`
        : 'tresor');
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + count);
}

// Inclusive time of tresor's own functions (a function counted once per sample, even if recursive).
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const inclusive = new Map<string, number>();
for (const [id, count] of hits) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)?.callFrame;
    if (frame === undefined || !/\/(src|consul|dns)\//.test(frame.url) || frame.url.includes('node_modules'))
      continue;
    const name = `${frame.functionName === '' ? '(anonymous)' : frame.functionName} ${frame.url.replace(/^file:\/\/.*?\/(src|consul|dns)\//, '$1/')}`;
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + count);
  }
}

const pct = (c: number): string => `${((100 * c) / busy).toFixed(1)}%`;
console.log(
  `${file}: ${busy} busy samples, ${idle} idle (${((100 * idle) / (busy + idle)).toFixed(0)}% idle)`,
);
console.log('\n| self | frame |\n|---:|---|');
for (const [frame, c] of [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, Number(n)))
  console.log(`| ${pct(c)} | ${frame.replace(/\|/g, '\\|')} |`);
console.log('\n| self | package |\n|---:|---|');
for (const [pkg, c] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(`| ${pct(c)} | ${pkg} |`);
console.log('\n| total | tresor function (inclusive) |\n|---:|---|');
for (const [frame, c] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(n)))
  console.log(`| ${pct(c)} | ${frame} |`);
