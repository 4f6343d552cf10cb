import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trailingFlagWarning } from '../../../src/cli/command.js';
import { parseArgsData, parseArgsDataString } from '../../../src/cli/commands/kv-args.js';
import { flagsHelp } from '../../../src/cli/output/flags-help.js';
import { parseGoDuration } from '../../../src/helper/go/duration.js';
import { type FlagGroup, FlagError, parseFlags } from '../../../src/helper/go/flags.js';
import { parseGoInt } from '../../../src/helper/go/parse-int.js';

const GROUPS: FlagGroup[] = [
  {
    title: 'Command Options',
    flags: [
      { name: 'address', kind: 'string', usage: 'Address.' },
      { name: 'force', kind: 'bool', aliases: ['f'], usage: 'Force.' },
      { name: 'renewable', kind: 'bool', default: true, usage: 'Renewable.' },
      { name: 'key-shares', kind: 'int', aliases: ['n'], default: 5, usage: 'Shares.' },
      { name: 'ttl', kind: 'duration', usage: 'TTL.' },
      { name: 'policy', kind: 'strings', usage: 'Policy.' },
      { name: 'metadata', kind: 'map', usage: 'Metadata.' },
      { name: 'token-id', kind: 'string', env: 'TEST_TOKEN_ID', usage: 'Token id.' },
    ],
  },
];

const parse = (...argv: string[]): ReturnType<typeof parseFlags> => parseFlags(GROUPS, argv);

describe('Go flag parsing', () => {
  it('accepts -name=value, -name value, --name=value and --name value', () => {
    assert.equal(parse('-address=http://a').flags.string('address'), 'http://a');
    assert.equal(parse('-address', 'http://b').flags.string('address'), 'http://b');
    assert.equal(parse('--address=http://c').flags.string('address'), 'http://c');
    assert.equal(parse('--address', 'http://d').flags.string('address'), 'http://d');
    assert.equal(parse('-address=a=b').flags.string('address'), 'a=b');
    assert.equal(parse('-address=').flags.string('address'), '');
  });

  it('treats a boolean flag without a value as true and takes only the = form for a value', () => {
    assert.equal(parse('-force').flags.bool('force'), true);
    assert.equal(parse('-f').flags.bool('force'), true);
    assert.equal(parse('-force=false').flags.bool('force'), false);
    assert.equal(parse('-renewable=false').flags.bool('renewable'), false);
    assert.equal(parse().flags.bool('renewable'), true);
    const r = parse('-force', 'false', 'x');
    assert.equal(r.flags.bool('force'), true);
    assert.deepEqual(r.args, ['false', 'x']);
  });

  it('stops at the first positional argument, at "--", and keeps a lone "-" positional', () => {
    const r = parse('-force', 'secret/foo', '-address=x');
    assert.deepEqual(r.args, ['secret/foo', '-address=x']);
    assert.equal(r.flags.string('address'), '');
    assert.deepEqual(parse('--', '-force').args, ['-force']);
    assert.deepEqual(parse('-', '-force').args, ['-', '-force']);
  });

  it('records which flags were given and applies defaults and environment defaults', () => {
    const r = parse('-key-shares=3');
    assert.equal(r.flags.int('key-shares'), 3);
    assert.equal(r.flags.isSet('key-shares'), true);
    assert.equal(r.flags.isSet('address'), false);
    assert.equal(parse().flags.int('key-shares'), 5);
    const withEnv = parseFlags(GROUPS, [], { TEST_TOKEN_ID: 'from-env' });
    assert.equal(withEnv.flags.string('token-id'), 'from-env');
    assert.equal(withEnv.flags.isSet('token-id'), false);
    assert.equal(parseFlags(GROUPS, ['-token-id=x'], { TEST_TOKEN_ID: 'e' }).flags.string('token-id'), 'x');
  });

  it('collects repeatable string and key=value flags', () => {
    const r = parse('-policy=a', '-policy', 'b, c', '-metadata=k=v=w', '-metadata', 'x=');
    assert.deepEqual(r.flags.strings('policy'), ['a', 'b, c']);
    assert.deepEqual(r.flags.map('metadata'), { k: 'v=w', x: '' });
  });

  it('parses ints the way strconv.ParseInt(s, 0, 64) does, and aliases', () => {
    assert.equal(parse('-n', '7').flags.int('key-shares'), 7);
    assert.equal(parseGoInt('0x10'), 16);
    assert.equal(parseGoInt('010'), 8);
    assert.equal(parseGoInt('-3'), -3);
    assert.equal(parseGoInt('1_000'), 1000);
    assert.equal(parseGoInt('x'), undefined);
  });

  it('parses durations as seconds: integers, Go durations, days and "system"', () => {
    assert.equal(parse('-ttl=90s').flags.duration('ttl'), 90);
    assert.equal(parse('-ttl=1h30m').flags.duration('ttl'), 5400);
    assert.equal(parse('-ttl=3600').flags.duration('ttl'), 3600);
    assert.equal(parseGoDuration('1.5h'), 5400);
    assert.equal(parseGoDuration('7d'), 604800);
    assert.equal(parseGoDuration('500ms'), 0.5);
    assert.equal(parseGoDuration('system'), -1);
    assert.throws(() => parseGoDuration('forever'), /time: invalid duration "forever"/);
  });

  it('fails with Go flag messages', () => {
    const message = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        assert.ok(err instanceof FlagError);
        return err.message;
      }
      return 'no error';
    };
    assert.equal(
      message(() => parse('-nope')),
      'flag provided but not defined: -nope',
    );
    assert.equal(
      message(() => parse('-address')),
      'flag needs an argument: -address',
    );
    assert.equal(
      message(() => parse('-force=maybe')),
      'invalid boolean value "maybe" for -force: strconv.ParseBool: parsing "maybe": invalid syntax',
    );
    assert.equal(
      message(() => parse('-key-shares=five')),
      'invalid value "five" for flag -key-shares: strconv.ParseInt: parsing "five": invalid syntax',
    );
    assert.equal(
      message(() => parse('-ttl=soon')),
      'invalid value "soon" for flag -ttl: time: invalid duration "soon"',
    );
    assert.equal(
      message(() => parse('-metadata=novalue')),
      'invalid value "novalue" for flag -metadata: missing = in KV pair: "novalue"',
    );
    assert.equal(
      message(() => parse('---x')),
      'bad flag syntax: ---x',
    );
    assert.equal(
      message(() => parse('-=x')),
      'bad flag syntax: -=x',
    );
  });

  it('warns about flags written after positional arguments, but not about global flags or "-"', () => {
    assert.equal(trailingFlagWarning(['secret/foo', '-', 'a=b']), '');
    assert.equal(trailingFlagWarning(['secret/foo', '-format=json', '--detailed']), '');
    assert.equal(
      trailingFlagWarning(['approle', '-path=x', '--local']),
      'Command flags must be provided before positional arguments. The following arguments will not be parsed as flags: [-path=x,--local]',
    );
  });

  it('prints help like vault: sorted flags, an example of the value, usage wrapped and indented by six', () => {
    const help = flagsHelp([
      {
        title: 'Command Options',
        flags: [
          { name: 'zeta', kind: 'bool', usage: 'A boolean.' },
          {
            name: 'alpha',
            kind: 'duration',
            usage:
              'A duration with a long description that needs to be wrapped because it is longer than the line.',
          },
          { name: 'hidden', kind: 'string', hidden: true, usage: 'Not shown.' },
        ],
      },
    ]);
    assert.equal(
      help,
      [
        'Command Options:',
        '',
        '  -alpha=<duration>',
        '      A duration with a long description that needs to be wrapped because it',
        '      is longer than the line.',
        '',
        '  -zeta',
        '      A boolean.',
      ].join('\n'),
    );
  });
});

describe('key=value arguments (kv-builder)', () => {
  const noStdin = (): Promise<string> => Promise.reject(new Error('stdin must not be read'));
  const stdin = (text: string) => (): Promise<string> => Promise.resolve(text);

  it('builds a map, turning repeated keys into lists and keeping values verbatim', async () => {
    assert.deepEqual(await parseArgsData(['a=1', 'b=x=y', 'a=2', 'c='], noStdin), {
      a: ['1', '2'],
      b: 'x=y',
      c: '',
    });
  });

  it('reads key=@file, keeps key=\\@literal, and merges a JSON object from @file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tresor-kv-'));
    writeFileSync(join(dir, 'v.txt'), 'file contents\n');
    writeFileSync(join(dir, 'd.json'), '{"x": 1, "y": {"z": true}}');
    assert.deepEqual(await parseArgsData([`k=@${join(dir, 'v.txt')}`, 'l=\\@home'], noStdin), {
      k: 'file contents\n',
      l: '@home',
    });
    assert.deepEqual(await parseArgsData([`@${join(dir, 'd.json')}`, 'w=1'], noStdin), {
      x: 1,
      y: { z: true },
      w: '1',
    });
    await assert.rejects(
      parseArgsData([`k=@${join(dir, 'missing')}`], noStdin),
      /error reading file: open .*missing: no such file or directory/,
    );
  });

  it('reads key=- and a bare - from stdin, only once', async () => {
    assert.deepEqual(await parseArgsData(['password=-'], stdin('s3cret')), { password: 's3cret' });
    assert.deepEqual(await parseArgsData(['-'], stdin('{"a":"b"}')), { a: 'b' });
    await assert.rejects(parseArgsData(['a=-', 'b=-'], stdin('x')), /stdin already consumed/);
  });

  it('rejects an argument that is not key=value', async () => {
    await assert.rejects(parseArgsData(['novalue'], noStdin), /format must be key=value/);
  });

  it('gives strings for login methods', async () => {
    assert.deepEqual(await parseArgsDataString(['username=bob', '-'], stdin('{"n": 3, "b": true}')), {
      username: 'bob',
      n: '3',
      b: '1',
    });
  });
});
