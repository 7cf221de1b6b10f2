import { afterEach, describe, expect, it } from '@jest/globals';
import { forgetSecrets, holdSecret, redactSecrets } from '../../src/core/secrets.js';

afterEach(forgetSecrets);

describe('held secrets', () => {
  it('are replaced in any text, in every spelling a server may send them back in', () => {
    holdSecret('ghp_Abc/123+xyz="q"');
    const echoed = [
      'Authorization: token ghp_Abc/123+xyz="q"',
      'https://x.example/?access_token=ghp_Abc%2F123%2Bxyz%3D%22q%22',
      '{"header":"ghp_Abc/123+xyz=\\"q\\""}',
    ];
    for (const text of echoed) expect(redactSecrets(text)).not.toMatch(/ghp_Abc/);
    expect(redactSecrets(echoed[0]!)).toBe('Authorization: token [secret withheld]');
  });

  it('leave other text alone, and ignore values too short to be a secret', () => {
    holdSecret('abc');
    expect(redactSecrets('abc def')).toBe('abc def');
    holdSecret('pg-pass-0001');
    expect(redactSecrets('no secret here')).toBe('no secret here');
  });

  it('a longer secret is replaced before a shorter one it contains', () => {
    holdSecret('secret-1');
    holdSecret('secret-1-long-token');
    expect(redactSecrets('x secret-1-long-token y')).toBe('x [secret withheld] y');
  });
});
