import type { IncomingMessage } from 'node:http';

import { FederationError } from '../../errors.js';

/** SPEC §3: bodies above 64 KiB are refused with 413. */
export const bodyLimitBytes = 64 * 1024;

/** The client went away (or broke the framing) before its body arrived: nobody to answer. */
export class ClientGone extends Error {
  constructor() {
    super('the client closed the connection before its request body arrived');
    this.name = 'ClientGone';
  }
}

/**
 * Reads the whole request body as UTF-8 text, refusing more than `bodyLimitBytes` with
 * `BodyTooLarge`: at once when `Content-Length` says so, else as soon as the bytes pass it.
 */
export function readBody(request: IncomingMessage): Promise<string> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > bodyLimitBytes) {
    return Promise.reject(new FederationError('BodyTooLarge'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > bodyLimitBytes) {
        finish();
        reject(new FederationError('BodyTooLarge'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      finish();
      const only = chunks.length === 1 ? chunks[0] : undefined;
      resolve((only ?? Buffer.concat(chunks, size)).toString('utf8'));
    };
    const onGone = (): void => {
      finish();
      reject(new ClientGone());
    };
    const finish = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onGone);
      request.off('close', onGone);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onGone);
    request.on('close', onGone);
  });
}
