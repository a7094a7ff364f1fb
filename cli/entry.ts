// The bundled executable: runs esi-cli on this process and ends it the way the program
// ended. Kept apart from main.ts so that importing main never has side effects.
import { runCli } from './main.js';

function endLike(code: number, signal: NodeJS.Signals | undefined): void {
  process.exitCode = code;
  // Node starts its inspector on SIGUSR1 instead of dying: keep the shell convention then.
  if (signal && signal !== 'SIGUSR1') {
    // The relays are gone by now, so the default action applies and the parent sees the
    // same "killed by signal" as if it had started the program itself. A signal whose
    // default is to be ignored leaves the exit code above.
    process.kill(process.pid, signal);
  }
}

// `esi-cli get | head -1` closes the pipe early: nothing is left to tell the reader.
process.stdout.on('error', () => undefined);

runCli(process.argv).then(
  (result) => endLike(result.code, result.signal),
  () => {
    process.exitCode = 1;
  },
);
