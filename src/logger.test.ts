import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { censorLogEntry, censoredKeys, censorText, createLogger } from './logger.js';

/** A logger whose lines are collected, parsed. */
function capture(): { lines: Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', {
    write: (line: string) => {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  return { lines, logger };
}

describe('log entry censoring', () => {
  it('returns a flat entry without censored keys as it is, without copying', () => {
    const entry = { reqId: 'r1', status: 200, subject: 'system:serviceaccount:ns:app' };
    assert.equal(censorLogEntry(entry), entry);
  });

  it('censors every listed key at the top level and in nested objects and arrays', () => {
    for (const key of censoredKeys) {
      const entry = {
        [key]: 'secret-1',
        nested: { [key]: 'secret-2', kept: 'name' },
        list: [{ [key]: 'secret-3' }, 'plain'],
        req: { headers: { [key]: 'secret-4' } },
      };
      assert.deepEqual(censorLogEntry(entry), {
        [key]: censorText,
        nested: { [key]: censorText, kept: 'name' },
        list: [{ [key]: censorText }, 'plain'],
        req: { headers: { [key]: censorText } },
      });
    }
  });

  it('never changes the object the caller logged', () => {
    const entry = { store: 'main', inner: { token: 'abc', name: 'x' } };
    const before = structuredClone(entry);
    const written = censorLogEntry(entry);
    assert.deepEqual(entry, before);
    assert.notEqual(written, entry);
    assert.notEqual((written as typeof entry).inner, entry.inner);
  });

  it('writes an object nested too deep to search as the censor text, and survives a cycle', () => {
    const deep = { a: { b: { c: { d: { e: { f: { token: 'abc' } } } } } } };
    assert.ok(!JSON.stringify(censorLogEntry(deep)).includes('abc'));
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    assert.equal((censorLogEntry(cyclic) as { name: string }).name, 'loop');
  });

  it('leaves an undefined censored key out of the line, as pino leaves out undefined', () => {
    const { lines, logger } = capture();
    logger.info({ token: undefined, store: 'main' }, 'read');
    assert.equal(lines[0]?.store, 'main');
    assert.ok(!('token' in (lines[0] ?? {})));
  });

  it('keeps tokens, secret values and CA bundles out of the lines createLogger writes', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        token: 'eyJhbGciOi.secret.token',
        authorization: 'Bearer eyJhbGciOi.secret.token',
        body: { 'ca.crt': 'LS0tLS1CRUdJTi' },
        values: ['hunter2'],
        store: 'main-store',
      },
      'request completed',
    );
    const line = lines[0] ?? {};
    assert.equal(line.msg, 'request completed');
    assert.equal(line.store, 'main-store');
    assert.equal(line.service, 'federation-server');
    for (const secret of ['secret.token', 'LS0tLS1CRUdJTi', 'hunter2']) {
      assert.ok(!JSON.stringify(line).includes(secret), `the line shows ${secret}`);
    }
    assert.equal(line.token, censorText);
    assert.deepEqual(line.body, { 'ca.crt': censorText });
  });
});
