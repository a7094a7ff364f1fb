/**
 * `bin/federation-server.js` for the compiled tree this file belongs to: the bin script
 * runs `dist/`, while a test compiled elsewhere must run the server compiled with it.
 * Does nothing without arguments, so that a test runner that loads it runs nothing.
 */
import { main } from '../../src/commands/main.js';

if (process.argv.length > 2) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`federation-server: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
