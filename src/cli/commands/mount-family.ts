/**
 * `secrets enable|disable|list|tune` and `auth enable|disable|list|tune`: one implementation of
 * each, parameterised by the mount family (the sys/mounts or sys/auth calls and vault's wording
 * for each). The commands' texts and family-specific flags are in secrets.ts and auth.ts.
 */
import type { FlagSpec } from '../../helper/go/flags.js';
import type { ApiClient } from '../client/api-client.js';
import { HTTP_FLAGS } from '../client/http-flags.js';
import { type Command, attempt, defineCommand } from '../command.js';
import { tableOutput } from '../output/go-text.js';
import { outputFlags } from '../output/output-flags.js';
import { MOUNT_CONFIG_FLAGS, mountInput, mountRows, mountsJson, tuneInput } from './mount-config.js';
import { ensureTrailingSlash, sanitizePath } from './paths.js';
import * as sys from '../client/sys-api.js';

/** What differs between secrets engines and auth methods. */
export interface MountFamily {
  readonly kind: 'secrets' | 'auth';
  /** vault's name for one mount: "secrets engine", "auth method". */
  readonly what: string;
  /** Flags of `enable` and `tune` beyond the shared mount configuration flags. */
  readonly configFlags: readonly FlagSpec[];
  readonly list: (client: ApiClient) => Promise<Record<string, unknown>>;
  readonly listError: string;
  readonly enable: (client: ApiClient, path: string, input: unknown) => Promise<void>;
  /** The prefix of vault's enable error for a mount of this type. */
  readonly enableError: (type: string) => string;
  /** vault's success line of enable for `thing` ("kv secrets engine version v2"). */
  readonly enabled: (thing: string, path: string) => string;
  readonly disable: (client: ApiClient, path: string) => Promise<void>;
  /** The sys/mounts path that tunes the mount at `path`. */
  readonly tunePath: (path: string) => string;
}

/** A command's synopsis and help text. */
export interface CommandText {
  readonly synopsis: string;
  readonly help: string;
}

/** `<family> enable [-path=P] … TYPE`; `flags` are the family's enable-only flags. */
export function mountEnableCommand(
  family: MountFamily,
  text: CommandText,
  flags: readonly FlagSpec[],
): Command {
  return defineCommand({
    name: `${family.kind} enable`,
    ...text,
    flags: [
      HTTP_FLAGS,
      { title: 'Command Options', flags: [...MOUNT_CONFIG_FLAGS, ...family.configFlags, ...flags] },
    ],
    args: [1, 1],
    async run({ ui, flags: values, args, client }) {
      const api = client();
      let type = (args[0] ?? '').trim();
      if (type === 'plugin') type = values.string('plugin-name');
      const path = ensureTrailingSlash(values.string('path') !== '' ? values.string('path') : type);
      await attempt(family.enableError(type), () => family.enable(api, path, mountInput(values, type)));
      let thing = `${type} ${family.what}`;
      if (values.string('plugin-version') !== '') thing += ` version ${values.string('plugin-version')}`;
      ui.output(family.enabled(thing, path));
      return 0;
    },
  });
}

/** `<family> disable PATH`. */
export function mountDisableCommand(family: MountFamily, text: CommandText): Command {
  return defineCommand({
    name: `${family.kind} disable`,
    ...text,
    flags: [HTTP_FLAGS],
    args: [1, 1],
    async run({ ui, args, client }) {
      const api = client();
      const path = ensureTrailingSlash(sanitizePath(args[0] ?? ''));
      await attempt(`Error disabling ${family.what} at ${path}`, () => family.disable(api, path));
      ui.output(`Success! Disabled the ${family.what} (if it existed) at: ${path}`);
      return 0;
    },
  });
}

/** `<family> list [-detailed]`. */
export function mountListCommand(family: MountFamily, text: CommandText): Command {
  return defineCommand({
    name: `${family.kind} list`,
    ...text,
    flags: [HTTP_FLAGS, outputFlags({ detailed: true })],
    args: [0, 0],
    async run({ ui, flags, client }) {
      const api = client();
      const mounts = await attempt(family.listError, () => family.list(api));
      if (ui.format !== 'table') return mountsJson(mounts);
      const detailed = flags.bool('detailed') || ui.detailed;
      ui.output(tableOutput(mountRows(mounts, family.kind, detailed)));
      return 0;
    },
  });
}

/** `<family> tune [-default-lease-ttl=D] … PATH`. */
export function mountTuneCommand(family: MountFamily, text: CommandText): Command {
  return defineCommand({
    name: `${family.kind} tune`,
    ...text,
    flags: [HTTP_FLAGS, { title: 'Command Options', flags: [...MOUNT_CONFIG_FLAGS, ...family.configFlags] }],
    args: [1, 1],
    async run({ ui, flags, args, client }) {
      const api = client();
      const path = ensureTrailingSlash(sanitizePath(args[0] ?? ''));
      await attempt(`Error tuning ${family.what} ${path}`, () =>
        sys.tuneMount(api, family.tunePath(path), tuneInput(flags)),
      );
      ui.output(`Success! Tuned the ${family.what} at: ${path}`);
      return 0;
    },
  });
}
