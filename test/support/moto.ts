import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';

import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

/** An access key moto knows, with a policy allowing every action. */
export interface MotoCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A running `moto_server` that checks signatures and IAM policies. */
export interface Moto {
  /** `http://127.0.0.1:port`. */
  url: string;
  /** An IAM user's key allowed to do everything. */
  credentials: MotoCredentials;
  /** A role allowed to do everything, which `credentials` may assume. */
  roleArn: string;
  close(): Promise<void>;
}

const allowAll = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

const trustAnyone = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
});

/** IAM calls made before moto starts checking credentials; see `bootstrap`. */
const bootstrapActions: Record<string, string>[] = [
  { Action: 'CreateUser', UserName: 'hub' },
  { Action: 'CreateAccessKey', UserName: 'hub' },
  { Action: 'PutUserPolicy', UserName: 'hub', PolicyName: 'all', PolicyDocument: allowAll },
  { Action: 'CreateRole', RoleName: 'reader', AssumeRolePolicyDocument: trustAnyone },
  { Action: 'PutRolePolicy', RoleName: 'reader', PolicyName: 'all', PolicyDocument: allowAll },
];

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitUntilListening(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/moto-api/`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('moto_server did not start within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Runs the IAM calls moto accepts without credentials. moto routes a request by the
 * service named in the credential scope of its Authorization header, so an unsigned one
 * still reaches IAM.
 */
async function bootstrap(url: string): Promise<{ credentials: MotoCredentials; roleArn: string }> {
  const texts: string[] = [];
  for (const action of bootstrapActions) {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/iam/aws4_request, ' +
          'SignedHeaders=host, Signature=00',
      },
      body: new URLSearchParams({ ...action, Version: '2010-05-08' }).toString(),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`moto IAM ${action.Action} answered ${response.status}`);
    texts.push(text);
  }
  const keys = texts[1] ?? '';
  const accessKeyId = /<AccessKeyId>([^<]+)</.exec(keys)?.[1];
  const secretAccessKey = /<SecretAccessKey>([^<]+)</.exec(keys)?.[1];
  const roleArn = /<Arn>([^<]+)</.exec(texts[3] ?? '')?.[1];
  if (!accessKeyId || !secretAccessKey || !roleArn) throw new Error('moto bootstrap failed');
  return { credentials: { accessKeyId, secretAccessKey }, roleArn };
}

/**
 * Starts `moto_server` on a free loopback port with credential checking on: after the
 * bootstrap calls, a request signed with an unknown key or a wrong secret is refused with
 * 403, as AWS does. Stopped by pid.
 */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    env: { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: String(bootstrapActions.length) },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    await waitUntilListening(url, child);
    return { url, ...(await bootstrap(url)), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Temporary credentials: a key that moto honours only with its session token. */
export interface TemporaryCredentials extends MotoCredentials {
  sessionToken: string;
}

/**
 * Assumes `moto.roleArn` with the IAM user's key. moto remembers the session token it
 * issued and refuses the temporary key when a request carries another one or none.
 */
export async function assumeMotoRole(moto: Moto): Promise<TemporaryCredentials> {
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: moto.credentials,
  });
  try {
    const answer = await sts.send(
      new AssumeRoleCommand({ RoleArn: moto.roleArn, RoleSessionName: 'session-token-test' }),
    );
    const { AccessKeyId, SecretAccessKey, SessionToken } = answer.Credentials ?? {};
    if (!AccessKeyId || !SecretAccessKey || !SessionToken) throw new Error('no role credentials');
    return {
      accessKeyId: AccessKeyId,
      secretAccessKey: SecretAccessKey,
      sessionToken: SessionToken,
    };
  } finally {
    sts.destroy();
  }
}

/** A loopback TCP server standing in for an AWS endpoint. */
export interface StandIn {
  url: string;
  /** Requests (or connections) it received. */
  hits: number;
  close(): Promise<void>;
}

function startStandIn(onConnection: (socket: Socket, standIn: StandIn) => void): Promise<StandIn> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    standIn.hits += 1;
    onConnection(socket, standIn);
  });
  const standIn: StandIn = {
    url: '',
    hits: 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address !== null && typeof address !== 'string') {
        standIn.url = `http://127.0.0.1:${address.port}`;
      }
      resolve(standIn);
    });
  });
}

/** An endpoint that accepts connections and never answers: every call must time out. */
export function startSilentEndpoint(): Promise<StandIn> {
  return startStandIn(() => undefined);
}

/** An endpoint answering every request with `status` and an AWS-style JSON error. */
export function startFailingEndpoint(status: number): Promise<StandIn> {
  return startStandIn((socket) => {
    socket.once('data', () => {
      const body = JSON.stringify({
        __type: 'InternalFailure',
        message: 'backend-internal-detail-that-must-not-leak',
      });
      socket.end(
        `HTTP/1.1 ${status} Failure\r\ncontent-type: application/x-amz-json-1.1\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
  });
}

/** A URL on which nothing listens (the port was free a moment ago). */
export async function unreachableEndpoint(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}
