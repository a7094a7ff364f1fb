import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { CliError, exitCodes } from './exit-codes.js';
import { programExit, runProgram } from './run-program.js';

function node(code: string): { file: string; args: string[] } {
  return { file: process.execPath, args: ['-e', code] };
}

describe('running the program', () => {
  it('passes its exit code through and gives it the environment', async () => {
    const exit = await runProgram(node('process.exit(process.env.ESI_TEST === "yes" ? 42 : 1)'), {
      ...process.env,
      ESI_TEST: 'yes',
    });
    assert.deepEqual(exit, { code: 42 });
  });

  it('relays a signal and reports death by signal as 128 + its number', async () => {
    const signals = new EventEmitter();
    const program = node('console.log("ready"); setInterval(() => {}, 1000)');
    const running = runProgram(program, process.env, { signals });
    await new Promise((resolve) => setTimeout(resolve, 300));
    signals.emit('SIGTERM');
    assert.deepEqual(await running, { code: 143, signal: 'SIGTERM' });
    assert.equal(signals.listenerCount('SIGTERM'), 0, 'relays are removed afterwards');
  });

  it('lets the program handle a relayed signal and keeps its exit code', async () => {
    const signals = new EventEmitter();
    const program = node(
      'process.on("SIGHUP", () => process.exit(7)); setInterval(() => {}, 1000)',
    );
    const running = runProgram(program, process.env, { signals });
    await new Promise((resolve) => setTimeout(resolve, 300));
    signals.emit('SIGHUP');
    assert.deepEqual(await running, { code: 7 });
  });

  it('runs afterExit before resolving, with the relays still in place', async () => {
    const signals = new EventEmitter();
    let listenersDuring = 0;
    const exit = await runProgram(node('process.exit(3)'), process.env, {
      signals,
      afterExit: async (ended) => {
        assert.equal(ended.code, 3);
        listenersDuring = signals.listenerCount('SIGTERM');
      },
    });
    assert.equal(exit.code, 3);
    assert.equal(listenersDuring, 1);
  });

  it('fails with exit code 10 for a program that cannot be started', async () => {
    await assert.rejects(
      runProgram({ file: '/no/such/program', args: [] }, process.env),
      (error: unknown) =>
        error instanceof CliError &&
        error.code === exitCodes.programStart &&
        /\/no\/such\/program: not found/.test(error.message),
    );
    const dir = await mkdtemp(join(tmpdir(), 'esi-program-'));
    const notExecutable = join(dir, 'script');
    await writeFile(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
    try {
      await assert.rejects(
        runProgram({ file: notExecutable, args: [] }, process.env),
        (error: unknown) =>
          error instanceof CliError &&
          error.code === exitCodes.programStart &&
          /permission denied/.test(error.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('maps exits to codes', () => {
    assert.deepEqual(programExit(0, null), { code: 0 });
    assert.deepEqual(programExit(null, 'SIGKILL'), { code: 137, signal: 'SIGKILL' });
    assert.deepEqual(programExit(null, 'SIGINT'), { code: 130, signal: 'SIGINT' });
  });
});
