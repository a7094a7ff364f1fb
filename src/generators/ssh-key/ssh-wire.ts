/**
 * Encoders for the SSH wire format (RFC 4251 §5): the building blocks of public key
 * blobs and of the openssh-key-v1 private key container.
 */

/** A 32-bit unsigned integer, big-endian. */
export function sshUint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

/** A `string`: a uint32 length, then the bytes (text is written as UTF-8). */
export function sshString(data: Uint8Array | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  return Buffer.concat([sshUint32(bytes.length), bytes]);
}

/**
 * An `mpint` from an unsigned big-endian magnitude: leading zero bytes are dropped, and
 * one zero byte is put back when the high bit is set, so the number does not read as
 * negative. Zero is the empty string.
 */
export function sshMpint(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) {
    start += 1;
  }
  const trimmed = Buffer.from(magnitude.subarray(start));
  const isHighBitSet = trimmed.length > 0 && ((trimmed[0] as number) & 0x80) !== 0;
  return sshString(isHighBitSet ? Buffer.concat([Buffer.of(0), trimmed]) : trimmed);
}
