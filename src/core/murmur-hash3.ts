/**
 * MurmurHash3, x86 32-bit variant, over the UTF-8 bytes of a string. Pure, no I/O.
 *
 * Unleash SDKs bucket users with this hash (seed 0 for rollouts, 86028157 for variants), so the
 * same user lands in the same bucket in Shipgate and in Unleash.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const encoder = new TextEncoder();

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/** Hashes raw bytes; returns an unsigned 32-bit integer. */
export function murmurHash3Bytes(bytes: Uint8Array, seed = 0): number {
  const len = bytes.length;
  const blocks = len & ~3;
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i += 4) {
    const k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    h ^= mixK(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (len & 3) {
    case 3:
      k ^= bytes[blocks + 2] << 16;
    // falls through
    case 2:
      k ^= bytes[blocks + 1] << 8;
    // falls through
    case 1:
      k ^= bytes[blocks];
      h ^= mixK(k);
  }
  h ^= len;
  return fmix32(h);
}

/**
 * Hashes the UTF-8 encoding of `text`; returns an unsigned 32-bit integer.
 * ASCII strings (the common case: ids, group ids) are hashed without allocating.
 */
export function murmurHash3(text: string, seed = 0): number {
  const len = text.length;
  for (let i = 0; i < len; i++) {
    if (text.charCodeAt(i) > 0x7f) return murmurHash3Bytes(encoder.encode(text), seed);
  }
  const blocks = len & ~3;
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i += 4) {
    const k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 8) | (text.charCodeAt(i + 2) << 16) | (text.charCodeAt(i + 3) << 24);
    h ^= mixK(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (len & 3) {
    case 3:
      k ^= text.charCodeAt(blocks + 2) << 16;
    // falls through
    case 2:
      k ^= text.charCodeAt(blocks + 1) << 8;
    // falls through
    case 1:
      k ^= text.charCodeAt(blocks);
      h ^= mixK(k);
  }
  h ^= len;
  return fmix32(h);
}
