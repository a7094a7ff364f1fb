/**
 * Loaded into the soak server before its own code (`node --expose-gc --import <this file>`).
 * On SIGUSR2 it runs a full garbage collection and writes, on stderr, the memory that
 * survived it. The heap between two collections rises and falls by a hundred megabytes
 * under load, and V8 spaces its major collections tens of seconds apart; the heap right
 * after a collection is the memory the server holds on to, which a leak makes grow.
 */
import { settledLine } from './settled-memory.js';

process.on('SIGUSR2', () => {
  if (globalThis.gc === undefined) return;
  globalThis.gc();
  const usage = process.memoryUsage();
  process.stderr.write(
    settledLine({
      heapUsedBytes: usage.heapUsed,
      externalBytes: usage.external,
      rssBytes: usage.rss,
    }),
  );
});
