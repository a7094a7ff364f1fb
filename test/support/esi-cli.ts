import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The `esi-cli` executable of this checkout (the bundled file). */
export const esiCliPath = fileURLToPath(new URL('../../../bin/esi-cli.cjs', import.meta.url));

export interface EsiResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running esi-cli with its output so far. */
export class EsiProcess {
  stdout = '';
  stderr = '';
  readonly child: ChildProcessWithoutNullStreams;
  readonly done: Promise<EsiResult>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [esiCliPath, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    });
    this.child.stdout.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.done = new Promise((resolve) =>
      this.child.on('close', (code, signal) =>
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }),
      ),
    );
  }

  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    const started = Date.now();
    while (!pattern.test(this.stdout + this.stderr)) {
      if (this.child.exitCode !== null || Date.now() - started > timeoutMs) {
        throw new Error(`esi-cli never printed ${pattern}; stderr: ${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Runs esi-cli to the end, killing it after `timeoutMs`. */
export async function runEsi(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<EsiResult> {
  const esi = new EsiProcess(args, env);
  const timer = setTimeout(() => esi.child.kill('SIGKILL'), timeoutMs);
  const result = await esi.done;
  clearTimeout(timer);
  return result;
}

/** A program for esi-cli to run: prints its environment as JSON, then exits with `code`. */
export function printEnvProgram(code = 0): string[] {
  return [
    process.execPath,
    '-e',
    `process.stdout.write(JSON.stringify(process.env)); process.exitCode = ${code};`,
  ];
}

/** Waits until the file at `path` holds exactly `content`. */
export async function waitForFile(path: string, content: string, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current === content) return;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${path} never held the expected content (has ${current ?? 'nothing'})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
