import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readCommandLine, splitAtProgram } from './command-line.js';
import { CliError, exitCodes } from './exit-codes.js';
import { validateOptions } from './options.js';
import type { GetOptions, Options, RunOptions } from './options.js';

const url = ['--federated-server-url', 'https://hub.example.com'];
const oneSecret = [...url, '--federated-store', 'main', '--external-secrets', 'db'];

function parse(args: string[], env: Record<string, string> = {}): Options {
  let help = '';
  const line = readCommandLine(['node', 'esi-cli', ...args], env, { write: (t) => (help += t) });
  assert.ok(line, `help was printed: ${help}`);
  return validateOptions(line);
}

function run(args: string[], env: Record<string, string> = {}): RunOptions {
  const options = parse(args, env);
  assert.equal(options.command, 'run');
  return options as RunOptions;
}

function usage(args: string[], pattern: RegExp, env: Record<string, string> = {}): void {
  assert.throws(
    () => parse(args, env),
    (error: unknown) =>
      error instanceof CliError && error.code === exitCodes.usage && pattern.test(error.message),
  );
}

describe('esi-cli flags', () => {
  it('applies the defaults of every flag', () => {
    const options = run([...oneSecret, '--', 'true']);
    assert.equal(options.mode, 'init');
    assert.equal(options.refreshIntervalMs, 60_000);
    assert.equal(options.revokeOnExit, false);
    assert.deepEqual(options.connection?.retry, {
      retries: 4,
      initialDelayMs: 250,
      maxDelayMs: 5000,
    });
    assert.equal(options.connection?.requestTimeoutMs, 10_000);
    assert.equal(
      options.connection?.tokenPath,
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
    );
    assert.equal(options.connection?.isCaCrtExplicit, false);
    assert.equal(options.connection?.serverCaPath, undefined);
  });

  it('adds up repeated and comma-separated lists, dropping empty items and duplicates', () => {
    const options = run([
      ...url,
      '--federated-store',
      'main',
      '--external-secrets',
      'a, b,',
      '--external-secrets',
      'a,c',
      '--federated-generators',
      'ns/Password/pw,ns/UUID/id',
      '--inject-on-env',
      'A=a,B=b.user',
      '--inject-on-env',
      '*',
      '--',
      'true',
    ]);
    assert.deepEqual(options.fetch.secrets, ['a', 'b', 'c']);
    assert.deepEqual(options.fetch.generators, [
      { namespace: 'ns', kind: 'Password', name: 'pw' },
      { namespace: 'ns', kind: 'UUID', name: 'id' },
    ]);
    assert.equal(options.env.everything, true);
    assert.deepEqual(options.env.mappings, [
      { variable: 'A', key: 'a' },
      { variable: 'B', key: 'b.user' },
    ]);
  });

  it('reads every flag from its ESI_ variable, the flag winning', () => {
    const env = {
      ESI_FEDERATED_SERVER_URL: 'http://127.0.0.1:8080',
      ESI_FEDERATED_STORE: 'main',
      ESI_EXTERNAL_SECRETS: 'a,b',
      ESI_INJECT_ON_ENV: 'A=a,B=b',
      ESI_FEDERATED_CA_CRT: '/tmp/ca.crt',
      ESI_RETRIES: '1',
      ESI_REVOKE_ON_EXIT: 'true',
      ESI_VERBOSE: '1',
      ESI_BINARY_PATH: '/bin/app',
      ESI_ARGS: '--port,8080',
      ESI_MODE: 'init',
    };
    const options = run(['--retries', '7'], env);
    assert.equal(options.connection?.serverUrl.href, 'http://127.0.0.1:8080/');
    assert.deepEqual(options.fetch.secrets, ['a', 'b']);
    assert.equal(options.env.mappings.length, 2);
    assert.equal(options.connection?.retry.retries, 7);
    assert.equal(options.connection?.isCaCrtExplicit, true);
    assert.equal(options.connection?.isVerbose, true);
    assert.equal(options.revokeOnExit, true);
    assert.deepEqual(options.program, { file: '/bin/app', args: ['--port', '8080'] });
  });

  it('treats an empty variable as unset and refuses a switch that is not true or false', () => {
    const options = run([...oneSecret], { ESI_MODE: '', ESI_VERBOSE: 'false' });
    assert.equal(options.mode, 'init');
    assert.equal(options.connection?.isVerbose, false);
    usage([...oneSecret], /ESI_VERBOSE must be true or false/, { ESI_VERBOSE: 'maybe' });
  });

  it('takes everything after -- as the program, flags included', () => {
    const options = run([...oneSecret, '--', 'node', '--verbose', '--', '-e', '1']);
    assert.deepEqual(options.program, { file: 'node', args: ['--verbose', '--', '-e', '1'] });
  });

  it('splits at the first -- that is not a flag value', () => {
    assert.deepEqual(splitAtProgram(['--args', '--', '--verbose', '--', 'x'], 'run'), {
      flags: ['--args', '--', '--verbose'],
      program: ['x'],
    });
  });

  it('reads the get form with its output format', () => {
    const options = parse(['get', ...oneSecret, '--output', 'dotenv']) as GetOptions;
    assert.equal(options.command, 'get');
    assert.equal(options.output, 'dotenv');
    assert.equal((parse(['get', ...oneSecret]) as GetOptions).output, 'json');
  });

  it('prints the help with every variable and the exit codes, and reports no options', () => {
    let help = '';
    const line = readCommandLine(['node', 'esi-cli', '--help'], {}, { write: (t) => (help += t) });
    assert.equal(line, undefined);
    for (const text of ['ESI_FEDERATED_SERVER_URL', 'ESI_INJECT_ON_ENV', 'Exit codes', '10']) {
      assert.ok(help.includes(text), text);
    }
  });
});

describe('esi-cli usage errors', () => {
  it('refuses unknown flags and missing values in one line', () => {
    usage(['--no-such-flag'], /^unknown option '--no-such-flag'$/);
    usage(['--federated-stor', 'x'], /Did you mean --federated-store/);
    usage(['--retries'], /argument missing/);
    usage(['get', '--mode', 'daemon'], /unknown option '--mode'/);
  });

  it('refuses stray arguments, both program forms, and a program for get', () => {
    usage([...oneSecret, 'app'], /give the program after --/);
    usage([...oneSecret, '--binary-path', '/bin/a', '--', 'b'], /not both/);
    usage([...oneSecret, '--args', 'a'], /--args needs --binary-path/);
    usage([...oneSecret, '--'], /must be followed by a program/);
    usage(['get', ...oneSecret, '--', 'x'], /get never runs a program/);
    usage(['--verbose', 'get'], /get must come first/);
  });

  it('refuses bad values, naming the flag or variable', () => {
    usage(['--federated-server-url', 'ftp://x', '--federated-store', 's'], /http or https/);
    usage([...oneSecret, '--retries', 'many'], /--retries/);
    usage([...oneSecret, '--request-timeout', '10'], /--request-timeout: '10' is not a duration/);
    usage([...oneSecret], /ESI_RETRY_MAX_DELAY/, { ESI_RETRY_MAX_DELAY: 'soon' });
    usage([...oneSecret, '--mode', 'sidecar'], /use init or daemon/);
    usage(['get', ...oneSecret, '--output', 'yaml'], /json, dotenv or env/);
    usage([...url, '--federated-generators', 'ns/Password'], /not namespace\/kind\/name/);
    usage([...oneSecret, '--inject-on-env', '1X=db', '--', 'a'], /not a valid environment/);
    usage([...oneSecret, '--inject-on-env', 'A=db,A=db', '--', 'a'], /A is set twice/);
    usage([...oneSecret, '--inject-on-file', '/tmp/x'], /PATH=key/);
    usage([...oneSecret, '--inject-on-file', '/tmp/x=a,/tmp/../tmp/x=b'], /written twice/);
    usage(['--federated-server-url', 'https://u:p@hub', '--federated-store', 's'], /credentials/);
  });

  it('needs a URL and a store to fetch, and something to fetch for get', () => {
    usage(['--federated-store', 'main', '--external-secrets', 'a'], /--federated-server-url/);
    usage([...url, '--external-secrets', 'a'], /needs --federated-store/);
    usage(['get', ...url], /nothing to fetch/);
  });

  it('keeps the modes apart', () => {
    usage([...oneSecret, '--inject-on-env', '*'], /--inject-on-env needs a program/);
    usage([...oneSecret, '--revoke-on-exit'], /needs a program/);
    const daemon = [...oneSecret, '--mode', 'daemon'];
    usage([...daemon, '--inject-on-file', '/tmp/x=db', '--', 'a'], /runs no program/);
    usage([...daemon, '--inject-on-file', '/tmp/x=db', '--inject-on-env', '*'], /environment/);
    usage(daemon, /needs --inject-on-file/);
  });

  it('refuses a run with nothing to do', () => {
    usage([], /nothing to do/);
  });

  it('runs a program without fetching when nothing is asked for', () => {
    const options = run(['--', 'true']);
    assert.equal(options.connection, undefined);
    assert.deepEqual(options.program, { file: 'true', args: [] });
  });
});
