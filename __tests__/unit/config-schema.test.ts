// The JSON Schema of privacyctl.yaml (dist/privacyctl.schema.json, for editors) says what the
// loader says: the demo config is valid, and what the loader refuses, it refuses.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { configJsonSchema } from '../../src/core/config.js';

const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(configJsonSchema());
const demo = parse(readFileSync(new URL('../../privacyctl.yaml', import.meta.url), 'utf8')) as Record<string, any>;

describe('the config JSON Schema', () => {
  it('accepts the demo config, whose sources are of every kind', () => {
    expect(validate(demo) ? [] : validate.errors).toEqual([]);
    expect(new Set(demo['sources'].map((s: { kind: string }) => s.kind)).size).toBe(8);
  });

  it('refuses a misspelt key, a wrong type and an unknown kind, as the loader does', () => {
    const bad = [
      { ...demo, controler: demo['controller'] },
      { ...demo, sources: [{ ...demo['sources'][0], pat: 'x.csv' }] },
      { ...demo, sources: [{ ...demo['sources'][0], match: { email: 'Email' } }] },
      { ...demo, sources: [{ name: 'x', kind: 'spreadsheet', path: 'x.csv' }] },
    ];
    expect(bad.map((c) => validate(c))).toEqual([false, false, false, false]);
  });
});
