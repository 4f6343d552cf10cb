/**
 * `operator init [-key-shares=5 -key-threshold=3] [-status]`, printing keys, root token and
 * vault's paragraphs, or vault's JSON (unseal_keys_b64, unseal_keys_hex, …, root_token).
 */
import type { ApiClient } from '../client/api-client.js';
import { HTTP_FLAGS } from '../client/http-flags.js';
import * as sys from '../client/sys-api.js';
import { PROGRAM, attempt, defineCommand } from '../command.js';
import { GoStruct } from '../output/go-json.js';
import { wrapAtLength } from '../output/go-text.js';
import type { Ui } from '../output/io.js';
import { outputFlags } from '../output/output-flags.js';

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** The `-format=json` output of `operator init` (vault's machineInit). */
export function machineInit(req: sys.InitRequest, resp: Record<string, unknown>): GoStruct {
  const keys = strings(resp.keys);
  return new GoStruct([
    ['unseal_keys_b64', strings(resp.keys_base64)],
    ['unseal_keys_hex', keys],
    ['unseal_shares', keys.length === 0 ? 1 : req.secret_shares],
    ['unseal_threshold', keys.length === 0 ? 1 : req.secret_threshold],
    ['recovery_keys_b64', strings(resp.recovery_keys_base64)],
    ['recovery_keys_hex', strings(resp.recovery_keys)],
    ['recovery_keys_shares', req.recovery_shares],
    ['recovery_keys_threshold', req.recovery_threshold],
    ['root_token', typeof resp.root_token === 'string' ? resp.root_token : ''],
  ]);
}

/** The table output of `operator init`: keys, root token, and vault's explanatory paragraphs. */
export function initText(req: sys.InitRequest, resp: Record<string, unknown>): string[] {
  const out: string[] = [];
  const keys = strings(resp.keys);
  const b64 = strings(resp.keys_base64);
  keys.forEach((key, i) =>
    out.push(`Unseal Key ${i + 1}: ${b64.length === keys.length ? (b64[i] ?? key) : key}`),
  );
  const rkeys = strings(resp.recovery_keys);
  const rb64 = strings(resp.recovery_keys_base64);
  rkeys.forEach((key, i) =>
    out.push(`Recovery Key ${i + 1}: ${rb64.length === rkeys.length ? (rb64[i] ?? key) : key}`),
  );
  out.push('', `Initial Root Token: ${typeof resp.root_token === 'string' ? resp.root_token : ''}`);
  if (keys.length > 0) {
    const t = req.secret_threshold;
    out.push(
      '',
      wrapAtLength(
        `Vault initialized with ${req.secret_shares} key shares and a key threshold of ${t}. Please ` +
          'securely distribute the key shares printed above. When the Vault is re-sealed, restarted, ' +
          `or stopped, you must supply at least ${t} of these keys to unseal it before it can start ` +
          'servicing requests.',
      ),
      '',
      wrapAtLength(
        `Vault does not store the generated root key. Without at least ${t} keys to reconstruct the ` +
          'root key, Vault will remain permanently sealed!',
      ),
      '',
      wrapAtLength(
        'It is possible to generate new unseal keys, provided you have a quorum of existing unseal ' +
          `keys shares. See "${PROGRAM} operator rekey" for more information.`,
      ),
    );
  } else {
    out.push('', 'Success! Vault is initialized');
  }
  if (rkeys.length > 0) {
    out.push(
      '',
      wrapAtLength(
        `Recovery key initialized with ${req.recovery_shares} key shares and a key threshold of ` +
          `${req.recovery_threshold}. Please securely distribute the key shares printed above.`,
      ),
    );
  }
  return out;
}

/** `operator init`. */
export const operatorInitCommand = defineCommand({
  name: 'operator init',
  synopsis: 'Initializes a server',
  help: `Usage: tresor operator init [options]

  Initializes a Vault server. Initialization is the process by which Vault's
  storage backend is prepared to receive data. Since Vault servers share the
  same storage backend in HA mode, you only need to initialize one Vault to
  initialize the storage backend. This command prints the unseal keys and the
  initial root token. With -status it only reports whether the server is
  initialized (exit 0) or not (exit 2).

      $ tresor operator init -key-shares=5 -key-threshold=3`,
  flags: [
    HTTP_FLAGS,
    outputFlags(),
    {
      title: 'Common Options',
      flags: [
        {
          name: 'key-shares',
          kind: 'int',
          aliases: ['n'],
          usage:
            'Number of key shares to split the generated root key into. This is the number of "unseal keys" to generate.',
        },
        {
          name: 'key-threshold',
          kind: 'int',
          aliases: ['t'],
          usage:
            'Number of key shares required to reconstruct the root key. This must be less than or equal to -key-shares.',
        },
        {
          name: 'pgp-keys',
          kind: 'strings',
          usage:
            'Comma-separated list of paths to files on disk containing public PGP keys OR a comma-separated list of Keybase usernames.',
        },
        {
          name: 'root-token-pgp-key',
          kind: 'string',
          usage: 'Path to a file on disk containing a binary or base64-encoded public PGP key.',
        },
        {
          name: 'status',
          kind: 'bool',
          usage:
            'Print the current initialization status. An exit code of 0 means the Vault is already initialized. An exit code of 1 means an error occurred. An exit code of 2 means the Vault is not initialized.',
        },
      ],
    },
    {
      title: 'Auto Unseal Options',
      flags: [
        {
          name: 'recovery-shares',
          kind: 'int',
          usage:
            'Number of key shares to split the recovery key into. This is only used in auto-unseal mode.',
        },
        {
          name: 'recovery-threshold',
          kind: 'int',
          usage:
            'Number of key shares required to reconstruct the recovery key. This is only used in Auto Unseal mode.',
        },
        {
          name: 'recovery-pgp-keys',
          kind: 'strings',
          usage:
            'Behaves like -pgp-keys, but for the recovery key shares. This is only used in Auto Unseal mode.',
        },
        { name: 'stored-shares', kind: 'int', hidden: true, usage: 'DEPRECATED: This flag does nothing.' },
      ],
    },
  ],
  args: [0, 0],
  async run({ ui, flags, client }) {
    const api = client();
    if (flags.bool('status')) return initStatus(ui, api);
    const recoverySeal = (await attempt('', () => sys.sealStatus(api))).recovery_seal === true;
    const req: sys.InitRequest = {
      secret_shares: flags.int('key-shares'),
      secret_threshold: flags.int('key-threshold'),
      stored_shares: flags.int('stored-shares'),
      pgp_keys: flags.isSet('pgp-keys') ? flags.strings('pgp-keys') : null,
      recovery_shares: flags.int('recovery-shares'),
      recovery_threshold: flags.int('recovery-threshold'),
      recovery_pgp_keys: flags.isSet('recovery-pgp-keys') ? flags.strings('recovery-pgp-keys') : null,
      root_token_pgp_key: flags.string('root-token-pgp-key'),
    };
    if (recoverySeal) {
      if (req.recovery_shares === 0) req.recovery_shares = 5;
      if (req.recovery_threshold === 0) req.recovery_threshold = 3;
    } else {
      if (req.secret_shares === 0) req.secret_shares = 5;
      if (req.secret_threshold === 0) req.secret_threshold = 3;
    }
    const resp = await attempt('Error initializing', () => sys.init(api, req));
    if (ui.format !== 'table') return machineInit(req, resp);
    for (const line of initText(req, resp)) ui.output(line);
    if (strings(resp.recovery_keys).length > 0 && (req.secret_shares !== 0 || req.secret_threshold !== 0)) {
      ui.output('');
      ui.warn(
        wrapAtLength(
          'WARNING! -key-shares and -key-threshold is ignored when Auto Unseal is used. ' +
            'Use -recovery-shares and -recovery-threshold instead.',
        ),
      );
    }
    return 0;
  },
});

async function initStatus(ui: Ui, client: ApiClient): Promise<number> {
  const initialized = await attempt('Error checking init status', () => sys.initStatus(client), 1);
  ui.output(initialized ? 'Vault is initialized' : 'Vault is not initialized');
  return initialized ? 0 : 2;
}
