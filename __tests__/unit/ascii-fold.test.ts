// The byte pre-filters' case fold: exactly A-Z → a-z, every other byte kept, at any alignment.
import { describe, expect, it } from '@jest/globals';
import { asciiFolder, lowerAsciiInPlace } from '../../src/core/ascii-fold.js';

const reference = (b: Buffer) => Buffer.from([...b].map((x) => (x >= 0x41 && x <= 0x5a ? x + 0x20 : x)));

describe('ASCII fold', () => {
  it('folds A-Z and keeps every other byte value, in every position of a 4-byte word', () => {
    const fold = asciiFolder();
    for (let v = 0; v < 256; v++) {
      for (let pos = 0; pos < 4; pos++) {
        const b = Buffer.from([0x5a, 0x41, 0x40, 0x5b, 0x60, 0x7b, 0xc1, 0xdf]);
        b[pos] = v;
        b[pos + 4] = v;
        expect(fold(b, 0, b.length)).toEqual(reference(b));
      }
    }
  });

  it('folds a sub-range, unaligned, and in place on pooled (unaligned) buffers', () => {
    const text = Buffer.from('xxBench.Subject@Example.ORG Ünïcödé ZZ');
    expect(asciiFolder()(text, 2, text.length).toString()).toBe('bench.subject@example.org Ünïcödé zz');
    const pooled = Buffer.from('Ann@Example.ORG!'); // small: from the pool, any byteOffset
    lowerAsciiInPlace(pooled, pooled.length);
    expect(pooled.toString()).toBe('ann@example.org!');
  });

  it('two folders do not share a scratch buffer (sources run concurrently)', () => {
    const a = asciiFolder();
    const b = asciiFolder();
    const viewA = a(Buffer.from('AAAA'), 0, 4);
    b(Buffer.from('BBBB'), 0, 4);
    expect(viewA.toString()).toBe('aaaa');
  });
});
