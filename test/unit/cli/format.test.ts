import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { outputList, outputSecret, printRawField } from '../../../src/cli/output/format.js';
import { GoStruct, goJsonIndent } from '../../../src/cli/output/go-json.js';
import {
  columnOutput,
  goQuoteList,
  goValue,
  humanDuration,
  tableOutput,
  wrapAtLength,
} from '../../../src/cli/output/go-text.js';
import { Ui } from '../../../src/cli/output/io.js';
import { headerForMap, outputPath, addPrefixToKVPath } from '../../../src/cli/commands/kv-target.js';
import { initText, machineInit } from '../../../src/cli/commands/operator-init.js';
import { type Secret, emptySecret, parseSecret } from '../../../src/cli/client/secret.js';
import { sealStatusOutput, sealStatusRows } from '../../../src/cli/commands/status.js';
import { captureIo } from './capture-io.js';

function secretWith(fields: Partial<Secret>): Secret {
  return { ...emptySecret(), ...fields };
}

describe('Go text helpers', () => {
  it('wraps like kr/text (minimum raggedness at 78 columns), matching real vault output', () => {
    const login =
      'Success! You are now authenticated. The token information displayed below is already stored in the ' +
      'token helper. You do NOT need to run "vault login" again. Future Vault requests will automatically use this token.';
    assert.equal(
      wrapAtLength(login),
      [
        'Success! You are now authenticated. The token information displayed below',
        'is already stored in the token helper. You do NOT need to run "vault login"',
        'again. Future Vault requests will automatically use this token.',
      ].join('\n'),
    );
    assert.equal(
      wrapAtLength(
        'It is possible to generate new unseal keys, provided you have a quorum of existing unseal keys shares. ' +
          'See "vault operator rekey" for more information.',
      ),
      'It is possible to generate new unseal keys, provided you have a quorum of\nexisting unseal keys shares. See "vault operator rekey" for more information.',
    );
    assert.equal(wrapAtLength('* a warning', 2), '  * a warning');
  });

  it('prints durations as vault humanDuration does', () => {
    assert.equal(humanDuration(0), '0s');
    assert.equal(humanDuration(30), '30s');
    assert.equal(humanDuration(90), '1m30s');
    assert.equal(humanDuration(600), '10m');
    assert.equal(humanDuration(3600), '1h');
    assert.equal(humanDuration(3601), '1h1s');
    assert.equal(humanDuration(3660), '1h1m');
    assert.equal(humanDuration(2764800), '768h');
  });

  it('formats values like Go %v and %q', () => {
    assert.equal(goValue(null), '<nil>');
    assert.equal(goValue(['root', 'default']), '[root default]');
    assert.equal(goValue({ b: 2, a: { c: null } }), 'map[a:map[c:<nil>] b:2]');
    assert.equal(goValue(true), 'true');
    assert.equal(goQuoteList(['root']), '["root"]');
    assert.equal(goQuoteList(null), '[]');
  });

  it('aligns columns like columnize, with n/a for empty cells and a dashed header rule', () => {
    assert.equal(
      tableOutput(['Path | Type', 'secret/ | kv', 'x/ | ']),
      'Path       Type\n----       ----\nsecret/    kv\nx/         n/a',
    );
    assert.equal(
      columnOutput(['Key Term | 2', 'Install Time | 23 Nov 26 11:35 UTC']),
      'Key Term        2\nInstall Time    23 Nov 26 11:35 UTC',
    );
  });
});

describe('JSON output', () => {
  it('is Go json.MarshalIndent: two spaces, sorted map keys, struct order, HTML escaped', () => {
    const text = goJsonIndent(
      new GoStruct([
        ['z', { b: 1, a: '<&>' }],
        ['a', []],
        ['omitted', undefined],
        ['e', {}],
      ]),
    );
    assert.equal(
      text,
      '{\n  "z": {\n    "a": "\\u003c\\u0026\\u003e",\n    "b": 1\n  },\n  "a": [],\n  "e": {}\n}',
    );
  });

  it('prints a response envelope with the Go Secret fields (auth and wrap_info only when present)', () => {
    const secret = parseSecret(
      JSON.stringify({
        request_id: 'r1',
        lease_id: '',
        renewable: false,
        lease_duration: 2764800,
        data: { foo: 'bar' },
        wrap_info: null,
        warnings: null,
        auth: null,
        mount_type: 'kv',
      }),
    );
    assert.ok(secret !== null);
    const io = captureIo();
    outputSecret(new Ui(io, 'json', false), secret);
    assert.deepEqual(Object.keys(JSON.parse(io.out()) as object), [
      'request_id',
      'lease_id',
      'lease_duration',
      'renewable',
      'data',
      'warnings',
      'mount_type',
    ]);
  });

  it('takes a body without envelope fields as the data (read sys/health)', () => {
    assert.deepEqual(parseSecret('{"initialized":true,"sealed":false}')?.data, {
      initialized: true,
      sealed: false,
    });
    assert.equal(parseSecret('{"errors":[]}'), null);
    assert.equal(parseSecret(''), null);
  });

  it('prints operator init -format=json with vault field names', () => {
    const req = {
      secret_shares: 1,
      secret_threshold: 1,
      stored_shares: 0,
      pgp_keys: null,
      recovery_shares: 0,
      recovery_threshold: 0,
      recovery_pgp_keys: null,
      root_token_pgp_key: '',
    };
    const text = goJsonIndent(machineInit(req, { keys: ['aa'], keys_base64: ['qg=='], root_token: 'hvs.x' }));
    assert.deepEqual(JSON.parse(text), {
      unseal_keys_b64: ['qg=='],
      unseal_keys_hex: ['aa'],
      unseal_shares: 1,
      unseal_threshold: 1,
      recovery_keys_b64: [],
      recovery_keys_hex: [],
      recovery_keys_shares: 0,
      recovery_keys_threshold: 0,
      root_token: 'hvs.x',
    });
  });
});

describe('table output', () => {
  it('prints a token like vault token create', () => {
    const io = captureIo();
    const secret = secretWith({
      auth: {
        client_token: 'hvs.M9vfjsKfv1zOgU6QTuFJblwP',
        accessor: 'ctfCqC3MX8vGH9G7Z3URgWsR',
        policies: ['root'],
        token_policies: ['root'],
        identity_policies: null,
        metadata: null,
        orphan: false,
        entity_id: '',
        lease_duration: 600,
        renewable: true,
        mfa_requirement: null,
      },
    });
    outputSecret(new Ui(io, 'table', false), secret);
    assert.equal(
      io.out(),
      [
        'Key                  Value',
        '---                  -----',
        'token                hvs.M9vfjsKfv1zOgU6QTuFJblwP',
        'token_accessor       ctfCqC3MX8vGH9G7Z3URgWsR',
        'token_duration       10m',
        'token_renewable      true',
        'token_policies       ["root"]',
        'identity_policies    []',
        'policies             ["root"]',
        '',
      ].join('\n'),
    );
  });

  it('prints lease fields first (refresh_interval for kv), then sorted data with durations humanised', () => {
    const io = captureIo();
    outputSecret(
      new Ui(io, 'table', false),
      secretWith({ lease_duration: 2764800, data: { zz: '', ttl: 90, a: [1, 2] } }),
    );
    assert.equal(
      io.out(),
      'Key                 Value\n---                 -----\nrefresh_interval    768h\na                   [1 2]\nttl                 1m30s\nzz                  n/a\n',
    );
    const leased = captureIo();
    outputSecret(
      new Ui(leased, 'table', false),
      secretWith({ lease_id: 'db/creds/x/abc', lease_duration: 3600, renewable: true, data: { u: 'v' } }),
    );
    assert.match(
      leased.out(),
      /^Key {16}Value\n-{3} {16}-{5}\nlease_id {11}db\/creds\/x\/abc\nlease_duration {5}1h\nlease_renewable {4}true\nu/,
    );
  });

  it('prints warnings on stderr and lists as a Keys table', () => {
    const io = captureIo();
    outputList(
      new Ui(io, 'table', false),
      secretWith({ data: { keys: ['b/', 'a'] }, warnings: ['careful'] }),
    );
    assert.equal(io.out(), 'Keys\n----\na\nb/\n');
    assert.equal(io.err(), 'WARNING! The following warnings were returned from Vault:\n\n  * careful\n\n');
    const json = captureIo();
    outputList(new Ui(json, 'json', false), secretWith({ data: { keys: ['a'] } }));
    assert.equal(json.out(), '[\n  "a"\n]\n');
  });

  it('prints the seal status as vault status does', () => {
    const sealed = sealStatusOutput(
      {
        type: 'shamir',
        initialized: true,
        sealed: true,
        t: 2,
        n: 3,
        progress: 0,
        nonce: '',
        version: '1.18.1',
        build_date: '2024-10-29T14:21:31Z',
        storage_type: 'raft',
      },
      { ha_enabled: true },
    );
    assert.equal(
      tableOutput(sealStatusRows(sealed)),
      [
        'Key                Value',
        '---                -----',
        'Seal Type          shamir',
        'Initialized        true',
        'Sealed             true',
        'Total Shares       3',
        'Threshold          2',
        'Unseal Progress    0/2',
        'Unseal Nonce       n/a',
        'Version            1.18.1',
        'Build Date         2024-10-29T14:21:31Z',
        'Storage Type       raft',
        'HA Enabled         true',
      ].join('\n'),
    );
    const active = sealStatusOutput(
      {
        type: 'shamir',
        initialized: true,
        sealed: false,
        t: 1,
        n: 1,
        version: 'v',
        build_date: 'd',
        storage_type: 'consul',
        cluster_name: 'c',
        cluster_id: 'i',
      },
      {
        ha_enabled: true,
        is_self: true,
        active_time: '2024-01-02T03:04:05.5Z',
        leader_cluster_address: 'https://n1:8201',
      },
    );
    const rows = sealStatusRows(active);
    assert.ok(rows.includes('HA Cluster | https://n1:8201'));
    assert.ok(rows.includes('HA Mode | active'));
    assert.ok(rows.includes('Active Since | 2024-01-02T03:04:05.5Z'));
    assert.deepEqual(Object.keys(JSON.parse(goJsonIndent(active)) as object).slice(-4), [
      'ha_enabled',
      'is_self',
      'active_time',
      'leader_cluster_address',
    ]);
  });

  it('prints the init keys and vault paragraphs', () => {
    const req = {
      secret_shares: 5,
      secret_threshold: 3,
      stored_shares: 0,
      pgp_keys: null,
      recovery_shares: 0,
      recovery_threshold: 0,
      recovery_pgp_keys: null,
      root_token_pgp_key: '',
    };
    const lines = initText(req, {
      keys: ['a', 'b', 'c', 'd', 'e'],
      keys_base64: ['A', 'B', 'C', 'D', 'E'],
      root_token: 'hvs.R',
    });
    assert.deepEqual(lines.slice(0, 7), [
      'Unseal Key 1: A',
      'Unseal Key 2: B',
      'Unseal Key 3: C',
      'Unseal Key 4: D',
      'Unseal Key 5: E',
      '',
      'Initial Root Token: hvs.R',
    ]);
    assert.equal(
      lines.slice(7, 11).join('\n'),
      [
        '',
        'Vault initialized with 5 key shares and a key threshold of 3. Please securely',
        'distribute the key shares printed above. When the Vault is re-sealed,',
        'restarted, or stopped, you must supply at least 3 of these keys to unseal it',
        'before it can start servicing requests.',
        '',
        'Vault does not store the generated root key. Without at least 3 keys to',
        'reconstruct the root key, Vault will remain permanently sealed!',
      ].join('\n'),
    );
  });

  it('prints kv headers sized like vault', () => {
    assert.equal(headerForMap('Metadata', { custom_metadata: 1, version: 1 }), '======= Metadata =======');
    assert.equal(headerForMap('Data', { foo: 1 }), '=== Data ===');
    const io = captureIo();
    outputPath({ io, ui: new Ui(io, 'table', false) }, 'secret/data/creds', 'Secret Path');
    assert.equal(io.out(), '== Secret Path ==\nsecret/data/creds\n\n');
    assert.equal(addPrefixToKVPath('secret/foo', 'secret/', 'data'), 'secret/data/foo');
    assert.equal(addPrefixToKVPath('secret', 'secret/', 'metadata'), 'secret/metadata');
    assert.equal(addPrefixToKVPath('a/b/c', 'a/b/', 'data'), 'a/b/data/c');
  });
});

describe('-field', () => {
  const secret = secretWith({ data: { password: 's3cret', list: ['a', 'b'] } });

  it('prints the bare value when piped and adds a newline on a terminal', () => {
    const piped = captureIo();
    assert.equal(printRawField(new Ui(piped, 'table', false), secret, 'password'), 0);
    assert.equal(piped.out(), 's3cret');
    const tty = captureIo({ stdoutIsTty: true, env: { TERM: 'xterm' } });
    printRawField(new Ui(tty, 'table', false), secret, 'password');
    assert.equal(tty.out(), 's3cret\n');
  });

  it('prints JSON of the value with -format=json and fails on a missing field', () => {
    const io = captureIo();
    printRawField(new Ui(io, 'json', false), secret, 'list');
    assert.equal(io.out(), '[\n  "a",\n  "b"\n]');
    const missing = captureIo();
    assert.equal(printRawField(new Ui(missing, 'table', false), secret, 'nope'), 1);
    assert.equal(missing.err(), 'Field "nope" not present in secret\n');
  });

  it('finds token fields of an auth response', () => {
    const io = captureIo();
    const auth = secretWith({ auth: { ...emptyAuth(), client_token: 'hvs.T', accessor: 'acc' } });
    printRawField(new Ui(io, 'table', false), auth, 'token_accessor');
    assert.equal(io.out(), 'acc');
  });
});

function emptyAuth(): NonNullable<Secret['auth']> {
  return {
    client_token: '',
    accessor: '',
    policies: null,
    token_policies: null,
    identity_policies: null,
    metadata: null,
    orphan: false,
    entity_id: '',
    lease_duration: 0,
    renewable: false,
    mfa_requirement: null,
  };
}
