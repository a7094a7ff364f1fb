import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';

import { createClusterTLS } from '../dev/cluster-ca.js';
import type { ClusterTLS } from '../dev/cluster-ca.js';
import { checkServerCredentials, revisionOf, tlsListenerOptions } from './server-credentials.js';

const files = { certFile: '/tls/tls.crt', keyFile: '/tls/tls.key', clientCaFile: '/tls/ca.crt' };
const withoutClientCa = { certFile: files.certFile, keyFile: files.keyFile };

/** Fails when `run` does not throw, or throws a message that quotes key material. */
function refusal(run: () => unknown, keyPem: string): string {
  let message = '';
  assert.throws(run, (error: Error) => {
    message = error.message;
    return true;
  });
  const keyBody = keyPem.split('\n')[1] ?? '';
  assert.ok(!message.includes(keyBody.slice(0, 24)), 'the message quotes the key');
  assert.ok(!message.includes('PRIVATE KEY-----'), 'the message quotes the key');
  return message;
}

describe('checkServerCredentials', () => {
  let server: ClusterTLS;
  let other: ClusterTLS;

  before(async () => {
    server = await createClusterTLS({ caName: 'server-ca' });
    other = await createClusterTLS({ caName: 'other-ca' });
  });

  it('accepts a certificate with its key, and describes it without the key', () => {
    const credentials = checkServerCredentials(withoutClientCa, {
      cert: server.certPem,
      key: server.keyPem,
    });
    const certificate = new X509Certificate(server.certPem);
    assert.equal(credentials.fingerprint, certificate.fingerprint256);
    assert.equal(credentials.notAfter, new Date(certificate.validTo).toISOString());
    assert.equal(credentials.clientCa, undefined);
    assert.equal(createPrivateKey(credentials.key).asymmetricKeyType, 'ec');
  });

  it('keeps a chain and drops anything but certificates from the certificate file', () => {
    const bundle = `${server.certPem}${server.keyPem}${server.caPem}`;
    const credentials = checkServerCredentials(withoutClientCa, {
      cert: bundle,
      key: server.keyPem,
    });
    assert.equal(credentials.cert.match(/BEGIN CERTIFICATE/g)?.length, 2);
    assert.ok(!credentials.cert.includes('PRIVATE KEY'));
  });

  it('refuses a key that belongs to another certificate, naming both files', () => {
    const message = refusal(
      () => checkServerCredentials(withoutClientCa, { cert: server.certPem, key: other.keyPem }),
      other.keyPem,
    );
    assert.equal(
      message,
      'the private key in /tls/tls.key does not belong to the certificate in /tls/tls.crt',
    );
  });

  it('refuses files without a certificate or without a usable key', () => {
    const noCert = refusal(
      () => checkServerCredentials(withoutClientCa, { cert: 'garbage', key: server.keyPem }),
      server.keyPem,
    );
    assert.equal(noCert, '/tls/tls.crt holds no PEM certificate');

    const broken = server.certPem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    const badCert = refusal(
      () => checkServerCredentials(withoutClientCa, { cert: broken, key: server.keyPem }),
      server.keyPem,
    );
    assert.equal(badCert, 'certificate 1 of /tls/tls.crt cannot be parsed');

    const noKey = refusal(
      () => checkServerCredentials(withoutClientCa, { cert: server.certPem, key: server.certPem }),
      server.keyPem,
    );
    assert.equal(noKey, '/tls/tls.key holds no PEM private key');

    const truncated = server.keyPem.slice(0, 80) + '\n-----END PRIVATE KEY-----\n';
    const badKey = refusal(
      () => checkServerCredentials(withoutClientCa, { cert: server.certPem, key: truncated }),
      server.keyPem,
    );
    assert.equal(badKey, 'the private key in /tls/tls.key cannot be parsed');
  });

  it('refuses a key encrypted with a passphrase', () => {
    const encrypted = createPrivateKey(server.keyPem)
      .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' })
      .toString();
    const message = refusal(
      () => checkServerCredentials(withoutClientCa, { cert: server.certPem, key: encrypted }),
      encrypted,
    );
    assert.match(message, /tls\.key holds a key encrypted with a passphrase/);
  });

  it('reads a client CA bundle and asks for client certificates with it', () => {
    const credentials = checkServerCredentials(files, {
      cert: server.certPem,
      key: server.keyPem,
      clientCa: other.caPem,
    });
    assert.equal(credentials.clientCa, new X509Certificate(other.caPem).toString());
    const options = tlsListenerOptions(credentials, 1000);
    assert.equal(options.requestCert, true);
    assert.equal(options.rejectUnauthorized, true);
    assert.equal(options.minVersion, 'TLSv1.2');
    assert.equal(options.handshakeTimeout, 1000);

    const plain = tlsListenerOptions(
      checkServerCredentials(withoutClientCa, { cert: server.certPem, key: server.keyPem }),
      1000,
    );
    assert.equal(plain.requestCert, false);
  });

  it('refuses a client CA file that holds a key instead of certificates', () => {
    const message = refusal(
      () =>
        checkServerCredentials(files, {
          cert: server.certPem,
          key: server.keyPem,
          clientCa: `${other.caPem}${other.keyPem}`,
        }),
      other.keyPem,
    );
    assert.match(message, /^\/tls\/ca\.crt must hold only CERTIFICATE blocks/);
  });
});

describe('revisionOf', () => {
  it('changes when any file changes, including the client CA', () => {
    const base = { cert: 'a', key: 'b' };
    assert.equal(revisionOf(base), revisionOf({ ...base }));
    assert.notEqual(revisionOf(base), revisionOf({ ...base, key: 'c' }));
    assert.notEqual(revisionOf(base), revisionOf({ ...base, clientCa: 'ca' }));
    assert.notEqual(revisionOf({ cert: 'ab', key: '' }), revisionOf({ cert: 'a', key: 'b' }));
  });
});
