import { isIP } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses `HOST:PORT` or `[IPv6]:PORT`. */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid listen address "${text}": use HOST:PORT, e.g. 127.0.0.1:8080`);
  }
  return { host, port };
}

/** True for `localhost`, 127.0.0.0/8 and ::1: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}
