'use strict';
// Kafka's default partitioner, which Herald uses on every transport: murmur2 of the key's UTF-8 bytes, the sign bit
// masked off, modulo the partition count. The same key gets the same partition number in Herald, Kafka and here.

/** Returns Kafka's 32-bit murmur2 hash of `bytes` (a Buffer or Uint8Array) as a signed 32-bit integer. */
function murmur2(bytes) {
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  const length = bytes.length;
  // Math.imul multiplies modulo 2^32 as Java's int arithmetic does; '>>> 0' and '| 0' keep values 32-bit.
  let h = (seed ^ length) | 0;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }

  const tail = blocks * 4;
  switch (length - tail) {
    case 3:
      h ^= bytes[tail + 2] << 16;
    // falls through
    case 2:
      h ^= bytes[tail + 1] << 8;
    // falls through
    case 1:
      h ^= bytes[tail];
      h = Math.imul(h, m);
  }

  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Returns the partition of `key` (a string, hashed as UTF-8) among `partitions` partitions. */
function partition(key, partitions) {
  if (typeof key !== 'string') throw new TypeError('The partition key must be a string.');
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`The partition count must be a positive integer, not '${partitions}'.`);
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

module.exports = { murmur2, partition };
