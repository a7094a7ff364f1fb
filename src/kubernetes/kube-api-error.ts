/**
 * A failed call to the Kubernetes API server. Keeps only what is safe to log: the method,
 * the path, the status and the `reason` and `message` of the API server's Status object
 * (which name objects and fields, never their values).
 */
export class KubeApiError extends Error {
  /** HTTP status; 0 when no answer came (refused, reset, timed out). */
  readonly status: number;
  /** The Status `reason` (`NotFound`, `Conflict`, `Expired`, `Invalid`...), or a transport code. */
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  /** From the answer's `Retry-After` header, when it had one. */
  retryAfterSeconds: number | undefined;

  constructor(method: string, path: string, status: number, reason: string, message: string) {
    super(`${method} ${path}: ${status === 0 ? '' : `${status} `}${reason}: ${message}`);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
    this.method = method;
    this.path = path;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  get isConflict(): boolean {
    return this.status === 409;
  }

  /** 410 Gone: the resource version asked for is older than the server keeps. */
  get isGone(): boolean {
    return this.status === 410;
  }
}

/** The error of a non-2xx answer, from its Status body when it has one. */
export function kubeApiErrorOf(
  method: string,
  path: string,
  status: number,
  text: string,
): KubeApiError {
  let reason = 'Unknown';
  let message = 'no Status in the answer';
  try {
    const body = JSON.parse(text) as { reason?: unknown; message?: unknown };
    if (typeof body.reason === 'string' && body.reason !== '') reason = body.reason;
    if (typeof body.message === 'string') message = body.message.slice(0, 500);
  } catch {
    // Not a Status object: a proxy's page, say. Its text is not repeated.
  }
  return new KubeApiError(method, path, status, reason, message);
}

/** The error of a request that got no answer: its code only (undici's messages vary). */
export function transportError(method: string, path: string, error: unknown): KubeApiError {
  const direct = (error as { code?: unknown } | null)?.code;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  const code =
    typeof direct === 'string' ? direct : typeof cause === 'string' ? cause : 'TransportError';
  const name = error instanceof Error ? error.name : 'Error';
  return new KubeApiError(method, path, 0, code, name === 'AbortError' ? 'aborted' : 'no answer');
}
