import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entryPath = fileURLToPath(new URL('./serve-entry.js', import.meta.url));

/** The uid and gid of `nobody`, for servers that must not run as root. */
export const unprivileged = { uid: 65534, gid: 65534 };

/** True when this process runs as root, where file modes do not stop it. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * `federation-server <args>` as a child process, under `nobody` when this process is root
 * (file modes bind every other user), with its output so far.
 */
export class ServerProcess {
  stdout = '';
  stderr = '';
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #exited: Promise<number | null>;

  constructor(args: string[]) {
    this.#child = spawn(process.execPath, [entryPath, ...args], isRoot() ? unprivileged : {});
    this.#child.stdout.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.#child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.#exited = new Promise((resolve) => this.#child.on('close', (code) => resolve(code)));
  }

  /** Resolves with the exit code once the process has ended. */
  get exited(): Promise<number | null> {
    return this.#exited;
  }

  /** The URL the server listens on, once it says so; throws if it exits first. */
  async url(timeoutMs = 20_000): Promise<string> {
    const started = Date.now();
    for (;;) {
      const match = /"url":"(https?:\/\/[^"]+)"/.exec(this.stdout);
      if (match?.[1]) return match[1];
      if (this.#child.exitCode !== null || Date.now() - started > timeoutMs) {
        throw new Error(`the server did not start; stderr: ${this.stderr.slice(0, 2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sends SIGTERM and waits for the exit code; kills the process if it lingers. */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    if (this.#child.exitCode !== null) return this.#child.exitCode;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    const code = await this.#exited;
    clearTimeout(timer);
    return code;
  }

  /** The parsed log lines written so far. */
  logEntries(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
