/**
 * `tresor version` (also `-v`, `-version`, `--version` alone).
 */
import type { Command } from '../command.js';
import { BUILD_DATE, TRESOR_VERSION, VAULT_COMPAT_VERSION } from '../../version.js';

/** The version line, as `vault version` prints its own. */
export function versionString(): string {
  return `Tresor v${TRESOR_VERSION} (Vault API ${VAULT_COMPAT_VERSION}), built ${BUILD_DATE}`;
}

/** `version`: its arguments are ignored, as vault's are, so it is not a defineCommand. */
export const versionCommand: Command = {
  name: 'version',
  synopsis: 'Prints the Tresor CLI version',
  help: `Usage: tresor version

  Prints the version of this Tresor CLI. This does not print the target
  server version; use "tresor status" for that.

      $ tresor version`,
  flags: [],
  run({ ui }) {
    ui.output(versionString());
    return Promise.resolve(0);
  },
};
