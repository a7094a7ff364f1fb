import type { ServerResponse } from 'node:http';

/** Answers 200 with a JSON document. */
export function sendJson(response: ServerResponse, contentType: string, body: unknown): void {
  response.writeHead(200, { 'content-type': contentType });
  response.end(JSON.stringify(body));
}

/** Answers with a Kubernetes `Status` object, as the API server does for errors. */
export function sendStatus(
  response: ServerResponse,
  code: number,
  reason: string,
  message: string,
): void {
  response.writeHead(code, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    }),
  );
}
