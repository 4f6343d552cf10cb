import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The repository root. */
export const REPO = path.resolve(import.meta.dirname, '../..');

/** Every .ts file below the given repository folders, as repository paths. */
export function sourceFiles(folders: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(rel);
      } else if (entry.name.endsWith('.ts')) out.push(rel);
    }
  };
  for (const folder of folders) walk(folder);
  return out.sort();
}

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;

/** One relative import: the repository path it resolves to, and whether it is type-only. */
export interface ImportEdge {
  readonly to: string;
  readonly typeOnly: boolean;
}

/** The relative imports of each file (`import type` and `export type` marked as type-only). */
export function importGraph(files: readonly string[]): Map<string, ImportEdge[]> {
  const graph = new Map<string, ImportEdge[]>();
  for (const file of files) {
    const text = readFileSync(path.join(REPO, file), 'utf8');
    const edges: ImportEdge[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[2] ?? '';
      const to = path.posix
        .normalize(path.posix.join(path.posix.dirname(file), spec))
        .replace(/\.js$/, '.ts');
      edges.push({ to, typeOnly: m[1] !== undefined });
    }
    graph.set(file, edges);
  }
  return graph;
}

/** The import cycles of a graph (each as the files around it), found by Tarjan's algorithm. */
export function importCycles(
  graph: ReadonlyMap<string, readonly ImportEdge[]>,
  includeTypes: boolean,
): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const edge of graph.get(v) ?? []) {
      if (edge.typeOnly && !includeTypes) continue;
      if (!graph.has(edge.to)) continue;
      if (!indices.has(edge.to)) {
        visit(edge.to);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(edge.to) ?? 0));
      } else if (onStack.has(edge.to)) low.set(v, Math.min(low.get(v) ?? 0, indices.get(edge.to) ?? 0));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = (graph.get(v) ?? []).some((e) => e.to === v);
      if (component.length > 1 || selfLoop) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return cycles;
}
