import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { auditMarker, formatAuditLine, isAuditLine } from './audit-record.js';
import type { AuditEvent, AuditResource } from './audit-record.js';

const position = { time: '2026-12-04T10:00:00.000Z', seq: 7, prev: 'a'.repeat(64) };
const pseudonym = (value: string): string => `hmac(${value})`;

describe('formatAuditLine', () => {
  it('writes every member in the fixed order, the marker first and prev last', () => {
    const event: AuditEvent = {
      // Members given in another order on purpose: the output order must not follow them.
      status: 200,
      reason: 'Ok',
      decision: 'allow',
      resource: { key: 'db/password', store: 'main' },
      tokenId: 'jti-1',
      pod: 'app-0',
      serviceAccount: 'app-sa',
      namespace: 'app',
      subject: 'system:serviceaccount:app:app-sa',
      issuer: 'https://issuer.example',
      federation: 'cluster-a',
      requestId: 'req-1',
      route: 'POST /secretstore/:secretStoreName/secrets/:secretName',
    };
    const line = formatAuditLine(event, position, pseudonym);
    assert.equal(
      line,
      '{"audit":"federation-server/v1","time":"2026-12-04T10:00:00.000Z","seq":7,' +
        '"route":"POST /secretstore/:secretStoreName/secrets/:secretName",' +
        '"reqId":"hmac(req-1)","federation":"cluster-a","issuer":"https://issuer.example",' +
        '"subject":"system:serviceaccount:app:app-sa","namespace":"app",' +
        '"serviceAccount":"app-sa","pod":"app-0","jti":"hmac(jti-1)",' +
        '"resource":{"store":"main","key":"db/password"},"decision":"allow","reason":"Ok",' +
        `"status":200,"prev":"${'a'.repeat(64)}"}`,
    );
  });

  it('leaves out unknown identity fields and an empty resource, and never the raw ids', () => {
    const event: AuditEvent = {
      route: 'POST /generators/:generatorNamespace/revoke',
      requestId: 'raw-request-id',
      resource: {},
      decision: 'deny',
      reason: 'TokenExpired',
      status: 401,
    };
    const line = formatAuditLine(event, position, pseudonym);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), [
      'audit',
      'time',
      'seq',
      'route',
      'reqId',
      'decision',
      'reason',
      'status',
      'prev',
    ]);
    assert.equal(parsed.reqId, 'hmac(raw-request-id)');
    assert.doesNotMatch(line.replace('hmac(raw-request-id)', ''), /raw-request-id/);
    assert.ok(isAuditLine(parsed));
  });
});

/** The line as `JSON.stringify` writes it from an object with the members in order. */
function stringified(event: AuditEvent): string {
  const resource: AuditResource = {};
  for (const key of [
    'store',
    'key',
    'generator',
    'generatorNamespace',
    'owner',
    'ownerNamespace',
    'generatorKind',
    'generatorName',
  ] as const) {
    if (event.resource?.[key] !== undefined) resource[key] = event.resource[key];
  }
  return JSON.stringify({
    audit: auditMarker,
    time: position.time,
    seq: position.seq,
    route: event.route,
    reqId: pseudonym(event.requestId),
    federation: event.federation,
    issuer: event.issuer,
    subject: event.subject,
    namespace: event.namespace,
    serviceAccount: event.serviceAccount,
    pod: event.pod,
    jti: event.tokenId === undefined ? undefined : pseudonym(event.tokenId),
    resource: Object.keys(resource).length === 0 ? undefined : resource,
    decision: event.decision,
    reason: event.reason,
    status: event.status,
    prev: position.prev,
  });
}

describe('formatAuditLine on any text', () => {
  it('gives exactly the bytes of JSON.stringify, quotes, control characters and all', () => {
    const text = fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: undefined });
    const event = fc.record({
      route: fc.string({ unit: 'binary', maxLength: 40 }),
      requestId: fc.string({ unit: 'binary', maxLength: 40 }),
      federation: text,
      issuer: text,
      subject: text,
      namespace: text,
      serviceAccount: text,
      pod: text,
      tokenId: text,
      resource: fc.option(
        fc.record({ store: text, key: text, generator: text, owner: text, generatorName: text }),
        { nil: undefined },
      ),
      decision: fc.constantFrom('allow' as const, 'deny' as const),
      reason: fc.string({ maxLength: 20 }),
      status: fc.integer({ min: 100, max: 599 }),
    });
    fc.assert(
      fc.property(event, (value) => {
        assert.equal(formatAuditLine(value, position, pseudonym), stringified(value));
      }),
      { numRuns: 500, seed: 0x0a0d17 },
    );
  });
});

describe('isAuditLine', () => {
  it('accepts only objects with the marker, a positive integer seq and a hex prev', () => {
    const good = { audit: auditMarker, seq: 1, prev: '0'.repeat(64) };
    assert.ok(isAuditLine(good));
    assert.ok(!isAuditLine({ ...good, audit: 'other/v1' }));
    assert.ok(!isAuditLine({ ...good, seq: 0 }));
    assert.ok(!isAuditLine({ ...good, seq: 1.5 }));
    assert.ok(!isAuditLine({ ...good, prev: 'xyz' }));
    assert.ok(!isAuditLine({ level: 30, msg: 'request completed' }));
    assert.ok(!isAuditLine(null));
    assert.ok(!isAuditLine([good]));
  });
});
