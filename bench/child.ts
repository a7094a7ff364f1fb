/**
 * Entry point of a bench child process (see `child-process.ts`): it takes one task over
 * IPC, answers with its result and exits.
 */
import type { ChildReply, ChildTask } from './child-process.js';
import { measureAuthz } from './authz-cost.js';
import { runAutocannon } from './http-load.js';
import type { LoadSpec } from './http-load.js';
import { runPaced } from './paced-load.js';

function send(reply: ChildReply): Promise<void> {
  return new Promise((resolve) => process.send?.(reply, () => resolve()));
}

function nextTask(): Promise<ChildTask> {
  return new Promise((resolve) => process.once('message', (task: ChildTask) => resolve(task)));
}

async function load(spec: LoadSpec): Promise<unknown> {
  const run = spec.paced ? runPaced : runAutocannon;
  if (spec.warmupSec > 0) await run(spec, spec.warmupSec);
  await send({ kind: 'warm' });
  const go = await nextTask();
  if (go.kind !== 'go') throw new Error(`expected go, got ${go.kind}`);
  return run(spec, spec.durationSec);
}

async function main(): Promise<void> {
  const task = await nextTask();
  try {
    let result: unknown;
    if (task.kind === 'load') result = await load(task.spec);
    else if (task.kind === 'authz') result = measureAuthz(task.options);
    else throw new Error(`unexpected task ${task.kind}`);
    await send({ kind: 'result', result });
  } catch (error) {
    await send({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
  }
  process.disconnect();
}

void main();
