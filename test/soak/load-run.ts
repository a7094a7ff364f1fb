import autocannon from 'autocannon';

/** What the load generator saw of one run. */
export interface LoadOutcome {
  /** Seconds from the start to the last response. */
  durationSec: number;
  /** Responses of any status. */
  responses: number;
  /** Requests that got no answer: connection errors, timeouts included. */
  errors: number;
  /** Whether the run ended at its time limit before all requests were made. */
  stoppedByTime: boolean;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Requests in all. */
  amount: number;
  /** Seconds after which the run stops even when `amount` is not reached. */
  maxSeconds: number;
  requests: autocannon.SequencedRequest[];
  /** Told about each response as it comes. */
  onResponse: () => void;
}

/**
 * Sends the sequence over keep-alive connections, one request at a time on each, until
 * `amount` requests are answered or `maxSeconds` have passed.
 */
export function runLoad(options: LoadOptions): Promise<LoadOutcome> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let lastResponse = started;
    let responses = 0;
    let stoppedByTime = false;
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        pipelining: 1,
        amount: options.amount,
        requests: options.requests,
        // Seconds: generous, since the machine may be shared with other test files.
        timeout: 30,
      },
      (error, result) => {
        clearTimeout(timer);
        if (error) {
          reject(error);
          return;
        }
        // autocannon reports only at its next one-second tick; the last response is the end.
        resolve({
          durationSec: Number(lastResponse - started) / 1e9,
          responses,
          errors: result.errors,
          stoppedByTime,
        });
      },
    );
    const timer = setTimeout(() => {
      stoppedByTime = true;
      instance.stop();
    }, options.maxSeconds * 1000);
    instance.on('response', () => {
      responses += 1;
      lastResponse = process.hrtime.bigint();
      options.onResponse();
    });
  });
}
