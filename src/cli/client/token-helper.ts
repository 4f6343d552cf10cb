/**
 * Token helpers, as in vault: by default the token lives in `~/.vault-token` (mode 0600); a
 * `token_helper = "/path"` line in `~/.vault` (or $VAULT_CONFIG_PATH) names an external program
 * called with `get`, `store` (token on stdin) or `erase`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** Stores and retrieves the CLI's token between runs. */
export interface TokenHelper {
  /** The stored token, or "" when there is none. */
  get(): string;
  store(token: string): void;
  erase(): void;
}

/** The user's home directory ($HOME first, as Go's homedir does). */
export function homeDirectory(env: Readonly<Record<string, string | undefined>>): string {
  const home = env.HOME;
  return home !== undefined && home !== '' ? home : homedir();
}

/** The built-in helper: a plain file holding the raw token, readable only by its owner. */
export function fileTokenHelper(path: string): TokenHelper {
  return {
    get(): string {
      if (!existsSync(path)) return '';
      return readFileSync(path, 'utf8').trim();
    },
    store(token: string): void {
      writeFileSync(path, token, { mode: 0o600 });
      chmodSync(path, 0o600);
    },
    erase(): void {
      rmSync(path, { force: true });
    },
  };
}

/** An external helper program (`<path> get|store|erase`), run through the shell as vault does. */
export function externalTokenHelper(
  program: string,
  env: Readonly<Record<string, string | undefined>>,
): TokenHelper {
  const run = (op: string, input?: string): string => {
    const result = spawnSync('/bin/sh', ['-c', `${program} ${op}`], {
      input: input ?? '',
      encoding: 'utf8',
      env,
    });
    if (result.error !== undefined) throw new Error(`${program}: ${result.error.message}`);
    if (result.status !== 0)
      throw new Error(`${program}: exit status ${String(result.status)}: ${result.stderr.trim()}`);
    return result.stdout;
  };
  return {
    get: () => run('get').trim(),
    store: (token) => {
      run('store', token);
    },
    erase: () => {
      run('erase');
    },
  };
}

/** The `token_helper` setting from the CLI config file, if any. */
export function configuredTokenHelper(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const configured = env.VAULT_CONFIG_PATH;
  const path =
    configured !== undefined && configured !== '' ? configured : join(homeDirectory(env), '.vault');
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const m = /^\s*"?token_helper"?\s*[=:]\s*"((?:[^"\\]|\\.)*)"/m.exec(text);
  if (m === null) return undefined;
  const helper = (m[1] ?? '').replace(/\\(.)/g, '$1');
  if (helper === '') return undefined;
  if (!isAbsolute(helper) && !helper.startsWith('~')) {
    throw new Error(`token helper path must be absolute: ${helper}`);
  }
  return helper.startsWith('~') ? join(homeDirectory(env), helper.slice(1)) : helper;
}

/** The token helper this user has configured (vault's DefaultTokenHelper). */
export function defaultTokenHelper(env: Readonly<Record<string, string | undefined>>): TokenHelper {
  const program = configuredTokenHelper(env);
  if (program !== undefined) return externalTokenHelper(program, env);
  return fileTokenHelper(join(homeDirectory(env), '.vault-token'));
}
