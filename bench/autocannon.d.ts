/**
 * The part of autocannon 8 the benchmarks use. The package ships no type declarations;
 * these are written from its README and checked against lib/run.js and lib/httpClient.js.
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Options {
      url: string;
      /** Concurrent connections; default 10. */
      connections?: number;
      /** Requests in flight per connection; default 1. */
      pipelining?: number;
      /** Seconds; default 10. */
      duration?: number;
      method?: 'GET' | 'POST' | 'DELETE';
      headers?: Record<string, string>;
      body?: string;
      /**
       * Requests per second over all connections, split between them. Each connection
       * sends its share of a second back to back, then waits for the next 1 s tick.
       */
      overallRate?: number;
      /** Seconds before a request counts as timed out; default 10. */
      timeout?: number;
    }

    /** hdr-histogram-percentiles-obj summary; latency values are whole milliseconds. */
    interface Histogram {
      average: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p99: number;
    }

    interface Result {
      /** Seconds the run took. */
      duration: number;
      requests: Histogram & { sent: number };
      latency: Histogram;
      /** Connection errors, timeouts included. */
      errors: number;
      timeouts: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
    }

    interface Instance extends EventEmitter {
      stop(): void;
      on(
        event: 'response',
        listener: (client: unknown, status: number, bytes: number, responseTimeMs: number) => void,
      ): this;
    }
  }

  function autocannon(
    options: autocannon.Options,
    done: (error: Error | null, result: autocannon.Result) => void,
  ): autocannon.Instance;

  export = autocannon;
}
