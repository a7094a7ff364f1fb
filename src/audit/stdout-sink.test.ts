import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { AuditKey } from './audit-key.js';
import { auditMarker } from './audit-record.js';
import { AuditTrail } from './audit-trail.js';
import { StdoutAuditSink } from './stdout-sink.js';
import { verifyAuditFile } from './verify-audit-log.js';

describe('StdoutAuditSink', () => {
  it('writes whole marked lines to its descriptor and starts a new chain', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'audit-stdout-'));
    const file = join(dir, 'out');
    const fd = openSync(file, 'a');
    try {
      const sink = new StdoutAuditSink({ fd });
      assert.equal(sink.resumeFrom, undefined);
      const trail = new AuditTrail({ sink, key: new AuditKey(Buffer.alloc(32, 1)) });
      for (const status of [200, 404]) {
        await trail.record({
          route: 'POST /secretstore/:secretStoreName/secrets/:secretName',
          requestId: `r-${status}`,
          decision: status === 200 ? 'allow' : 'deny',
          reason: status === 200 ? 'Ok' : 'NotFound',
          status,
        });
      }
      await trail.close();

      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
      assert.equal(lines.length, 2);
      for (const line of lines) {
        assert.ok(line.startsWith(`{"audit":"${auditMarker}",`), line);
      }
      assert.equal((await verifyAuditFile(file)).problem, undefined);
    } finally {
      closeSync(fd);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails a write to a closed descriptor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'audit-stdout-'));
    const fd = openSync(join(dir, 'out'), 'a');
    closeSync(fd);
    try {
      await assert.rejects(
        new StdoutAuditSink({ fd }).write('{}\n'),
        /cannot write audit lines to stdout: EBADF/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
