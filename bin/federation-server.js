#!/usr/bin/env node
import { main } from '../dist/src/commands/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`federation-server: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
