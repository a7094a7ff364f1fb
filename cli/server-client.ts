import type { Agent } from 'node:http';

import { describeSystemError } from './exit-codes.js';
import { createAgent, sendAttempt } from './http-attempt.js';
import type { HttpAnswer } from './http-attempt.js';
import { readCaCrtMember, readServerCa, readToken } from './local-files.js';
import type { ConnectionOptions } from './options.js';
import { nextRetryDelay } from './retry-policy.js';
import type { AttemptOutcome } from './retry-policy.js';
import { answerError, malformedAnswerError, unreachableError } from './server-answer.js';
import { generatorId } from './specs.js';
import type { GeneratorRef } from './specs.js';

/** The federation server's routes, as esi-cli uses them. */
export interface ServerClient {
  /** `POST /secretstore/{store}/secrets/{name}`: the value, a string. */
  readSecret(store: string, name: string, signal?: AbortSignal): Promise<string>;
  /** `POST /generators/{ns}/{kind}/{name}`: the generated values. */
  runGenerator(ref: GeneratorRef, signal?: AbortSignal): Promise<Record<string, string>>;
  /** `DELETE /generators/{ns}/{kind}/{name}`: revokes what this caller received. */
  revokeGenerator(ref: GeneratorRef, signal?: AbortSignal): Promise<void>;
  /** Closes the kept-alive connections. */
  close(): void;
}

/** Clock, randomness, waiting and logging; replaced in tests. */
export interface ClientEnvironment {
  readonly now: () => number;
  readonly random: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Receives the `--verbose` lines (without the `esi-cli: ` prefix). */
  readonly log: (line: string) => void;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort(): void {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
  });
}

/** The real clock, `Math.random`, timers and stderr. */
export const systemEnvironment: ClientEnvironment = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep,
  log: (line) => process.stderr.write(`esi-cli: ${line}\n`),
};

function segment(text: string): string {
  return encodeURIComponent(text);
}

function generatorPath(ref: GeneratorRef): string {
  return `/generators/${segment(ref.namespace)}/${segment(ref.kind)}/${segment(ref.name)}`;
}

/** One attempt: an answer (any status), or the error that prevented one. */
type AttemptResult =
  | { readonly answer: HttpAnswer; readonly failure?: undefined; readonly outcome: AttemptOutcome }
  | { readonly answer?: undefined; readonly failure: unknown; readonly outcome: AttemptOutcome };

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error as { name?: unknown })?.name === 'AbortError';
}

function parseJson(answer: HttpAnswer): unknown {
  try {
    return answer.body === '' ? undefined : JSON.parse(answer.body);
  } catch {
    return undefined;
  }
}

class HttpServerClient implements ServerClient {
  constructor(
    private readonly options: ConnectionOptions,
    private readonly body: string,
    private readonly agent: Agent,
    private readonly environment: ClientEnvironment,
  ) {}

  async readSecret(store: string, name: string, signal?: AbortSignal): Promise<string> {
    const subject = `secret '${name}' in store '${store}'`;
    const path = `/secretstore/${segment(store)}/secrets/${segment(name)}`;
    const value = await this.call('POST', path, subject, signal);
    if (typeof value !== 'string') throw malformedAnswerError(subject, 'a JSON string');
    return value;
  }

  async runGenerator(ref: GeneratorRef, signal?: AbortSignal): Promise<Record<string, string>> {
    const subject = `generator ${generatorId(ref)}`;
    const output = await this.call('POST', generatorPath(ref), subject, signal);
    if (typeof output !== 'object' || output === null || Array.isArray(output)) {
      throw malformedAnswerError(subject, 'a JSON object');
    }
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(output)) {
      values[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return values;
  }

  async revokeGenerator(ref: GeneratorRef, signal?: AbortSignal): Promise<void> {
    await this.call('DELETE', generatorPath(ref), `generator ${generatorId(ref)}`, signal);
  }

  close(): void {
    this.agent.destroy();
  }

  private url(path: string): URL {
    const url = new URL(this.options.serverUrl);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
    return url;
  }

  private async attemptOnce(
    method: 'POST' | 'DELETE',
    url: URL,
    signal: AbortSignal | undefined,
  ): Promise<AttemptResult> {
    const { now, log } = this.environment;
    const headers = {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      Authorization: `Bearer ${await readToken(this.options.tokenPath)}`,
      'User-Agent': 'esi-cli',
    };
    const attempt = { method, url, headers, body: this.body, signal };
    const started = now();
    const line = `${method} ${url.pathname}`;

    try {
      const answer = await sendAttempt(
        { ...attempt, timeoutMs: this.options.requestTimeoutMs },
        this.agent,
      );
      if (this.options.isVerbose) log(`${line} ${answer.status} ${now() - started}ms`);
      const outcome: AttemptOutcome = {
        kind: 'status',
        status: answer.status,
        retryAfter: retryAfterOf(answer),
      };
      return { answer, outcome };
    } catch (error) {
      if (isAbort(error, signal)) throw error;
      const cause = describeSystemError(error);
      if (this.options.isVerbose) log(`${line} failed (${cause}) ${now() - started}ms`);
      return { failure: error, outcome: { kind: 'network' } };
    }
  }

  private async call(
    method: 'POST' | 'DELETE',
    path: string,
    subject: string,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const { now, random, log } = this.environment;
    const url = this.url(path);

    for (let attempts = 1; ; attempts += 1) {
      const result = await this.attemptOnce(method, url, signal);
      const { answer } = result;
      if (answer && answer.status >= 200 && answer.status < 300) return parseJson(answer);

      const delay = nextRetryDelay(attempts, result.outcome, this.options.retry, random, now());
      if (delay === undefined) {
        throw answer
          ? answerError(answer, subject, attempts)
          : unreachableError(this.options.serverUrl, result.failure, attempts);
      }
      if (this.options.isVerbose) log(`retrying ${method} ${url.pathname} in ${delay}ms`);
      await this.environment.sleep(delay, signal);
    }
  }
}

function retryAfterOf(answer: HttpAnswer): string | undefined {
  const header = answer.headers['retry-after'];
  return Array.isArray(header) ? header[0] : header;
}

/**
 * Prepares a client for one run: reads the server CA and the cluster CA once (exit 3 when
 * unreadable) and opens a keep-alive agent. The token is read before every attempt.
 */
export async function createServerClient(
  options: ConnectionOptions,
  environment: ClientEnvironment = systemEnvironment,
): Promise<ServerClient> {
  const isHttps = options.serverUrl.protocol === 'https:';
  const serverCa =
    isHttps && options.serverCaPath ? await readServerCa(options.serverCaPath) : undefined;
  const caCrt = await readCaCrtMember(options.caCrtPath, options.isCaCrtExplicit);
  const body = JSON.stringify(caCrt === undefined ? {} : { 'ca.crt': caCrt });
  return new HttpServerClient(options, body, createAgent(options.serverUrl, serverCa), environment);
}
