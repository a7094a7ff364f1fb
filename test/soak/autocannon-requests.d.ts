/**
 * The parts of autocannon 8 the soak run needs on top of `bench/autocannon.d.ts`: a fixed
 * number of requests, and a sequence of different requests per connection. Written from
 * its README and checked against lib/run.js, lib/requestIterator.js and
 * lib/httpRequestBuilder.js.
 */
import 'autocannon';

// An augmentation of a module that uses `export =` adds to the namespace it exports.
declare module 'autocannon' {
  /** A request as autocannon builds it; `setupRequest` may change any member. */
  interface RawRequest {
    method: 'GET' | 'POST' | 'DELETE';
    path: string;
    headers: Record<string, string>;
    body?: string;
  }

  /**
   * One entry of the sequence each connection cycles through. The context is one object
   * per connection, reset to `{}` each time the sequence starts over.
   */
  interface SequencedRequest extends Partial<RawRequest> {
    /** Called before every send; returns the request to send. */
    setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest;
    /** Called with every response to this entry; `body` is the whole body as text. */
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  }

  interface Options {
    /** Requests to make in all, split between the connections; overrides `duration`. */
    amount?: number;
    /** The sequence each connection sends, over and over. */
    requests?: SequencedRequest[];
  }
}
