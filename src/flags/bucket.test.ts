import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { murmurHash3, murmurHash3Bytes } from '../core/murmur-hash3';
import { rolloutBucket, variantBucket } from './bucket';

// Reference values of MurmurHash3_x86_32 (Appleby's SMHasher verification vectors and common test sets).
const cases: Array<{ text: string; seed: number; hash: number }> = [
  { text: '', seed: 0, hash: 0 },
  { text: '', seed: 1, hash: 0x514e28b7 },
  { text: '', seed: 0xffffffff, hash: 0x81f16f39 },
  { text: 'a', seed: 0, hash: 0x3c2569b2 },
  { text: 'abc', seed: 0, hash: 0xb3dd93fa },
  { text: 'abcd', seed: 0, hash: 0x43ed676a },
  { text: 'Hello, world!', seed: 1234, hash: 0xfaf6cdb3 },
  { text: 'The quick brown fox jumps over the lazy dog', seed: 0, hash: 0x2e4ff723 },
  { text: 'The quick brown fox jumps over the lazy dog', seed: 0x9747b28c, hash: 0x2fa826cd },
];

describe('murmurHash3', () => {
  for (const c of cases) {
    test(`"${c.text}" seed ${c.seed}`, () => {
      assert.equal(murmurHash3(c.text, c.seed), c.hash);
      assert.equal(murmurHash3Bytes(new TextEncoder().encode(c.text), c.seed), c.hash);
    });
  }

  test('non-ASCII text is hashed as UTF-8 bytes', () => {
    const text = 'flag:ünïcødé 🚀';
    assert.equal(murmurHash3(text, 42), murmurHash3Bytes(new TextEncoder().encode(text), 42));
    // 'ü' is two bytes in UTF-8, so its hash differs from the hash of the Latin-1 byte 0xfc.
    assert.notEqual(murmurHash3('ü'), murmurHash3Bytes(new Uint8Array([0xfc])));
  });
});

describe('buckets', () => {
  test('stay within range and are deterministic', () => {
    for (let i = 0; i < 1000; i++) {
      const b = rolloutBucket('g', String(i));
      assert.ok(b >= 1 && b <= 100);
      assert.equal(b, rolloutBucket('g', String(i)));
      const v = variantBucket('g', String(i), 7);
      assert.ok(v >= 1 && v <= 7);
    }
  });

  test('spread users roughly evenly over 100 buckets', () => {
    let inTen = 0;
    for (let i = 0; i < 10_000; i++) if (rolloutBucket('spread', `user-${i}`) <= 10) inTen++;
    assert.ok(inTen > 850 && inTen < 1150, `got ${inTen} of 10000 in the first 10 buckets`);
  });
});
