import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { AuthzOptions } from './authz-cost.js';
import type { LoadSpec } from './http-load.js';

/** What the bench process asks a child to do; see `child.ts`. */
export type ChildTask =
  { kind: 'load'; spec: LoadSpec } | { kind: 'authz'; options: AuthzOptions } | { kind: 'go' };

/** What a child answers: `warm` once its warm-up is done, then one result or an error. */
export type ChildReply =
  { kind: 'warm' } | { kind: 'result'; result: unknown } | { kind: 'error'; message: string };

const childPath = fileURLToPath(new URL('./child.js', import.meta.url));

export interface ChildOptions {
  /** Node.js flags of the child, e.g. `--expose-gc`. */
  execArgv?: string[];
  /** Runs between the child's warm-up and its measured run. */
  onWarm?: () => void | Promise<void>;
}

/**
 * Runs one task in a fresh Node.js process and resolves with its result. The load
 * generator runs apart from the server under test so that the two never share an event
 * loop; on this 2-core machine each then gets roughly one core.
 */
export function runInChild<T>(task: ChildTask, options: ChildOptions = {}): Promise<T> {
  const child = fork(childPath, [], { execArgv: options.execArgv ?? [], stdio: 'inherit' });
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      child.kill();
      reject(error);
    };

    child.on('message', (reply: ChildReply) => {
      if (reply.kind === 'warm') {
        Promise.resolve(options.onWarm?.())
          .then(() => child.send({ kind: 'go' } satisfies ChildTask))
          .catch((error: unknown) =>
            fail(error instanceof Error ? error : new Error(String(error))),
          );
      } else if (reply.kind === 'result') {
        settled = true;
        resolve(reply.result as T);
      } else {
        fail(new Error(`bench child failed: ${reply.message}`));
      }
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (!settled) fail(new Error(`bench child exited (${signal ?? code}) without a result`));
    });
    child.send(task);
  });
}
