import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isLoopback, parseListenAddress } from './listen-address.js';

describe('parseListenAddress', () => {
  it('reads IPv4, names and bracketed IPv6', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 });
    assert.deepEqual(parseListenAddress('[::1]:9'), { host: '::1', port: 9 });
  });

  it('refuses addresses without a port or out of range', () => {
    for (const bad of ['127.0.0.1', ':80', '127.0.0.1:70000', '::1:80']) {
      assert.throws(() => parseListenAddress(bad), /invalid listen address/);
    }
  });

  it('knows which hosts are loopback', () => {
    assert.ok(isLoopback('127.0.0.1'));
    assert.ok(isLoopback('127.8.9.1'));
    assert.ok(isLoopback('::1'));
    assert.ok(isLoopback('localhost'));
    assert.ok(!isLoopback('0.0.0.0'));
    assert.ok(!isLoopback('::'));
    assert.ok(!isLoopback('10.0.0.1'));
  });
});
