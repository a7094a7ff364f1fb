import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { repoPath } from '../support/repo.js';
import { parseSettledLine } from './settled-memory.js';
import type { SettledMemory } from './settled-memory.js';

/** How much of the server's output is kept for a failure message, in characters. */
const excerptLimit = 16_000;

/** The preload that answers SIGUSR2 with a full collection and a settled reading. */
const collectOnSignal = fileURLToPath(new URL('./collect-on-signal.js', import.meta.url));

/**
 * `federation-server serve` as a process of its own, so that the memory measured is the
 * server's alone, started with `--expose-gc` and `collect-on-signal.js` so that `settle`
 * can ask for a full collection. Its output is read as it comes and dropped but for the
 * first and last lines: at the default log level it writes one line per request, hundreds
 * of megabytes in a long run, which must neither fill the pipe (the server would stall)
 * nor pile up here.
 */
export class ServerProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #head = '';
  #tail = '';
  #stderrLine = '';
  #settledWaiters: ((reading: SettledMemory) => void)[] = [];

  constructor(args: string[]) {
    const bin = repoPath('bin', 'federation-server.js');
    this.#child = spawn(
      process.execPath,
      ['--expose-gc', '--import', collectOnSignal, bin, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child.stdout?.on('data', (chunk: Buffer) => this.#keep(chunk.toString('utf8')));
    this.#child.stderr?.on('data', (chunk: Buffer) => this.#readStderr(chunk.toString('utf8')));
    this.#exited = new Promise((resolve) => this.#child.once('close', (code) => resolve(code)));
  }

  /** The operating system's id of the server process. */
  get pid(): number {
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error('the server process did not start');
    return pid;
  }

  get isRunning(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The first and the last few kilobytes of output, for a failure message. */
  outputExcerpt(): string {
    return `${this.#head}\n[...]\n${this.#tail}`;
  }

  /**
   * Waits for a log line with `message` and returns its `url` member. Lines are looked for
   * in the first output only, which holds every start-up line.
   */
  async urlLogged(message: string, timeoutMs = 30_000): Promise<string> {
    const started = Date.now();
    for (;;) {
      for (const line of this.#head.split('\n')) {
        if (!line.includes(`"msg":"${message}"`)) continue;
        const url = (JSON.parse(line) as { url?: unknown }).url;
        if (typeof url === 'string') return url;
      }
      if (!this.isRunning || Date.now() - started > timeoutMs) {
        throw new Error(`the server never logged "${message}":\n${this.outputExcerpt()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Makes the server run a full garbage collection and resolves with what survived it. */
  settle(timeoutMs = 15_000): Promise<SettledMemory> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settledWaiters = this.#settledWaiters.filter((waiter) => waiter !== done);
        reject(new Error(`no settled memory reading within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (reading: SettledMemory): void => {
        clearTimeout(timer);
        resolve(reading);
      };
      this.#settledWaiters.push(done);
      this.#child.kill('SIGUSR2');
    });
  }

  /** Sends SIGTERM and resolves with the exit code; SIGKILL when it takes too long. */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (!this.isRunning) return this.#child.exitCode;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    const code = await this.#exited;
    clearTimeout(timer);
    return code;
  }

  #keep(text: string): void {
    if (this.#head.length < excerptLimit) this.#head += text.slice(0, excerptLimit);
    this.#tail = (this.#tail + text).slice(-excerptLimit);
  }

  #readStderr(text: string): void {
    const lines = (this.#stderrLine + text).split('\n');
    this.#stderrLine = lines.pop() ?? '';
    for (const line of lines) {
      const reading = parseSettledLine(line);
      if (!reading) {
        this.#keep(`${line}\n`);
        continue;
      }
      // One collection answers every reading asked for before it.
      const waiters = this.#settledWaiters;
      this.#settledWaiters = [];
      for (const waiter of waiters) waiter(reading);
    }
  }
}
