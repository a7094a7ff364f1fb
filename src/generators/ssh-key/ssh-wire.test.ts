import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { sshMpint, sshString, sshUint32 } from './ssh-wire.js';

const hex = (buffer: Buffer) => buffer.toString('hex');

describe('SSH wire encoding', () => {
  it('writes uint32 big-endian', () => {
    assert.equal(hex(sshUint32(0x01020304)), '01020304');
  });

  it('prefixes a string with its byte length, text as UTF-8', () => {
    assert.equal(hex(sshString('ssh-rsa')), '00000007' + hex(Buffer.from('ssh-rsa')));
    assert.equal(hex(sshString('é')), '00000002c3a9');
    assert.equal(hex(sshString(Buffer.alloc(0))), '00000000');
  });

  // The examples of RFC 4251 §5.
  it('writes mpints as RFC 4251 shows', () => {
    assert.equal(hex(sshMpint(Buffer.alloc(0))), '00000000');
    assert.equal(hex(sshMpint(Buffer.from('09a378f9b2e332a7', 'hex'))), '0000000809a378f9b2e332a7');
    assert.equal(hex(sshMpint(Buffer.from('80', 'hex'))), '000000020080');
  });

  it('writes zero as the empty mpint', () => {
    assert.equal(hex(sshMpint(Buffer.from('0000', 'hex'))), '00000000');
  });

  it('drops leading zero bytes but keeps one before a set high bit', () => {
    assert.equal(hex(sshMpint(Buffer.from('00007f', 'hex'))), '000000017f');
    assert.equal(hex(sshMpint(Buffer.from('0000ff01', 'hex'))), '0000000300ff01');
  });
});
