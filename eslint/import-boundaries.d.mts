import type { ESLint, Rule } from 'eslint';

/** One layer of the code base and what its files may not import (repository path prefixes). */
export interface Layer {
  readonly files: readonly string[];
  readonly deny: readonly string[];
  readonly allow: readonly string[];
  readonly why: string;
}

export const LAYERS: readonly Layer[];
export function violation(from: string, to: string): Layer | undefined;
export const importBoundaries: Rule.RuleModule;
export const tresorPlugin: ESLint.Plugin;
