import { describe, expect, it } from '@jest/globals';
import { normalizeEmail } from '../../src/core/identity.js';

describe('smoke', () => {
  it('normalizes', () => {
    expect(normalizeEmail(' Ann@Example.ORG ')).toBe('ann@example.org');
  });
});
