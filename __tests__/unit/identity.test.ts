import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../../src/core/errors.js';
import { IdentityMatcher, impliedIdentities, normalizeEmail, normalizeGithub, parseTypedIdentity } from '../../src/core/identity.js';
import { resolveSubject, type SubjectSpec } from '../../src/core/subject.js';

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Ann.Example@Example.ORG \t')).toBe('ann.example@example.org');
  });

  it('normalises to NFC so an NFD-encoded address equals the NFC one', () => {
    const nfc = 'zo\u00eb@example.net';
    const nfd = 'zoe\u0308@example.net';
    expect(nfd).not.toBe(nfc);
    expect(normalizeEmail(nfd)).toBe(nfc);
    expect(normalizeEmail(nfc)).toBe(nfc);
  });

  it('reads "Name <addr>" and mailto: forms', () => {
    expect(normalizeEmail('Ann Example <Ann@Example.org>')).toBe('ann@example.org');
    expect(normalizeEmail('mailto:ann@example.org')).toBe('ann@example.org');
    expect(normalizeEmail('MAILTO:Ann@example.org')).toBe('ann@example.org');
  });

  it('reads the gitdm user!domain form', () => {
    expect(normalizeEmail('ann.example!example.org')).toBe('ann.example@example.org');
  });

  it('rejects invalid addresses', () => {
    const bad = [
      'ann.example.org', // no @
      'ann@bob@example.org', // two @
      'ann example@example.org', // space
      '"ann"@example.org', // quoted local part
      'ann@example..org', // empty label
      'ann@.example.org',
      'ann@example.org.',
      '@example.org',
      'ann@',
      '.ann@example.org',
      'ann..x@example.org',
      '',
    ];
    expect(bad.map((raw) => [raw, normalizeEmail(raw)])).toEqual(bad.map((raw) => [raw, null]));
  });
});

describe('normalizeGithub', () => {
  it('strips a leading @ and lower-cases', () => {
    expect(normalizeGithub('@Ann-Example')).toBe('ann-example');
  });

  it('reads a profile URL', () => {
    expect(normalizeGithub('https://github.com/Ann-Example')).toBe('ann-example');
    expect(normalizeGithub('https://www.github.com/ann-example/')).toBe('ann-example');
    expect(normalizeGithub('github.com/ann-example')).toBe('ann-example');
  });

  it('accepts 1 and 39 characters, rejects 40', () => {
    expect(normalizeGithub('a')).toBe('a');
    expect(normalizeGithub('a'.repeat(39))).toBe('a'.repeat(39));
    expect(normalizeGithub('a'.repeat(40))).toBeNull();
  });

  it('rejects double, leading and trailing hyphens and other characters', () => {
    const bad = ['ann--example', '-ann', 'ann-', 'ann_example', 'ann.example', '', '@', 'https://github.com/ann-example/repo'];
    expect(bad.map((raw) => [raw, normalizeGithub(raw)])).toEqual(bad.map((raw) => [raw, null]));
  });
});

describe('impliedIdentities', () => {
  it('a GitHub noreply address implies its login', () => {
    const email = normalizeEmail('123456+Ann-Example@users.noreply.github.com')!;
    const implied = impliedIdentities({ type: 'email', value: email });
    expect(implied.map((i) => i.identity)).toEqual([{ type: 'github', value: 'ann-example' }]);
  });

  it('an ordinary address, or a look-alike noreply domain, implies nothing', () => {
    expect(impliedIdentities({ type: 'email', value: 'ann@example.org' })).toEqual([]);
    expect(impliedIdentities({ type: 'email', value: '123+ann@users.noreply.github.com.example' })).toEqual([]);
    expect(impliedIdentities({ type: 'github', value: 'ann' })).toEqual([]);
  });
});

describe('parseTypedIdentity', () => {
  it('parses TYPE:VALUE and normalises the value', () => {
    expect(parseTypedIdentity('github:@Ann-Example')).toEqual({ type: 'github', value: 'ann-example' });
    expect(parseTypedIdentity('Email:Ann@Example.org')).toEqual({ type: 'email', value: 'ann@example.org' });
  });

  it('rejects a missing type, an invalid value, and names', () => {
    expect(parseTypedIdentity('ann@example.org')).toBeNull();
    expect(parseTypedIdentity(':ann')).toBeNull();
    expect(parseTypedIdentity('github:ann--x')).toBeNull();
    expect(parseTypedIdentity('name:Ann Example')).toBeNull();
    expect(parseTypedIdentity('gh:zoe')).toBeNull(); // not a type any source matches
  });
});

describe('IdentityMatcher: whole addresses only', () => {
  const m = new IdentityMatcher([
    { type: 'email', value: 'ann@x.example' },
    { type: 'github', value: 'ann-example' },
  ]);

  it('matches the address case-insensitively and trimmed', () => {
    expect(m.matchCell('email', ' ANN@X.Example ')).toBe('ann@x.example');
  });

  it('never matches by substring: near misses are not the subject', () => {
    const near = ['joann@x.example', 'ann@x.example.evil', 'ann@x.exampl', 'ann@sub.x.example', 'xann@x.example', 'ann+tag@x.example'];
    expect(near.map((c) => [c, m.matchCell('email', c)])).toEqual(near.map((c) => [c, null]));
  });

  it('finds the address among several in one cell', () => {
    expect(m.matchCell('email', 'bob@y.example; ann@x.example')).toBe('ann@x.example');
    expect(m.matchCell('email', 'ann@x.example, bob@y.example')).toBe('ann@x.example');
    expect(m.matchCell('email', 'bob@y.example ann@x.example')).toBe('ann@x.example');
    expect(m.matchCell('email', 'joann@x.example; bob@y.example')).toBeNull();
  });

  it('finds the address in "Name <addr>" lists, wherever it stands', () => {
    expect(m.matchCell('email', 'Bob <bob@y.example>, Ann <ann@x.example>')).toBe('ann@x.example');
    expect(m.matchCell('email', 'Ann <ann@x.example>, Bob <bob@y.example>')).toBe('ann@x.example');
  });

  it('matches GitHub handles in any accepted form', () => {
    expect(m.matchCell('github', '@Ann-Example')).toBe('ann-example');
    expect(m.matchCell('github', 'https://github.com/ann-example')).toBe('ann-example');
    expect(m.matchCell('github', 'ann-example2')).toBeNull();
    expect(m.matchCell('github', 'jo-ann-example')).toBeNull();
  });

  it('does not read an email cell as a handle or vice versa', () => {
    expect(m.matchCell('github', 'ann@x.example')).toBeNull();
    expect(m.matchCell('email', 'ann-example')).toBeNull();
  });

  it('finds the address however a free-text cell wraps or ends it', () => {
    const spellings = [
      'Ann (ann@x.example)',
      '"ann@x.example"',
      "'ann@x.example'",
      '<ann@x.example>',
      'ann@x.example.',
      'Write to ann@x.example: thanks',
      '[ann@x.example]',
      'ann@x.example?',
    ];
    expect(spellings.map((c) => [c, m.matchCell('email', c)])).toEqual(spellings.map((c) => [c, 'ann@x.example']));
    // still whole addresses only
    const near = ['Jo (joann@x.example)', '"joann@x.example"', "'xann@x.example'", 'ann@x.example.evil.', '(ann@x.exampl)'];
    expect(near.map((c) => [c, m.matchCell('email', c)])).toEqual(near.map((c) => [c, null]));
  });

  it('an internationalised domain equals its punycode form, in both directions', () => {
    expect(normalizeEmail('ann@xn--bcher-kva.example')).toBe('ann@bücher.example');
    expect(normalizeEmail('Ann@BÜCHER.example')).toBe('ann@bücher.example');
    const idn = new IdentityMatcher([{ type: 'email', value: normalizeEmail('ann@bücher.example')! }]);
    expect(idn.matchCell('email', 'ann@xn--bcher-kva.example')).toBe('ann@bücher.example');
    expect(idn.matchCell('email', 'Ann <ann@BÜCHER.example>')).toBe('ann@bücher.example');
    expect(idn.matchCell('email', 'ann@xn--bcher-kva.example.evil')).toBeNull();
    // pre-filters look for every spelling that can stand in a file
    expect(idn.needles()).toEqual(expect.arrayContaining(['ann@bücher.example', 'ann@xn--bcher-kva.example', 'ann!xn--bcher-kva.example']));
    const puny = new IdentityMatcher([{ type: 'email', value: normalizeEmail('ann@xn--bcher-kva.example')! }]);
    expect(puny.matchCell('email', 'ann@bücher.example')).toBe('ann@bücher.example');
  });

  it('names never match anything', () => {
    const withName = new IdentityMatcher([{ type: 'name', value: 'ann example' }]);
    expect(withName.has('name')).toBe(false);
    expect(withName.matchCell('name', 'Ann Example')).toBeNull();
    expect(withName.matchCell('email', 'Ann Example')).toBeNull();
  });
});

describe('resolveSubject', () => {
  const spec = (s: Partial<SubjectSpec>): SubjectSpec => ({ emails: [], githubs: [], include: [], ...s });

  function usageError(fn: () => unknown): UsageError {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return err as UsageError;
    }
    throw new Error('expected a UsageError');
  }

  it('normalises given identities and records their provenance', () => {
    const ids = resolveSubject(spec({ emails: [' Ann@Example.org '], githubs: ['@Ann-Example'] }));
    expect(ids.map((i) => [i.type, i.value, i.provenance.via])).toEqual([
      ['email', 'ann@example.org', 'given'],
      ['github', 'ann-example', 'given'],
    ]);
  });

  it('deduplicates identities given twice in different spellings', () => {
    const ids = resolveSubject(spec({ emails: ['ann@example.org', 'ANN@example.org'] }));
    expect(ids).toHaveLength(1);
  });

  it('adds the login implied by a noreply address, with its provenance', () => {
    const ids = resolveSubject(spec({ emails: ['42+ann-example@users.noreply.github.com'] }));
    const gh = ids.find((i) => i.type === 'github');
    expect(gh?.value).toBe('ann-example');
    expect(gh?.provenance.via).toBe('link');
    expect(gh?.provenance.from).toEqual({ type: 'email', value: '42+ann-example@users.noreply.github.com' });
  });

  it('accepts --include-identity with via "accepted"', () => {
    const ids = resolveSubject(spec({ emails: ['ann@example.org'], include: ['github:ann-example'] }));
    expect(ids.find((i) => i.type === 'github')?.provenance.via).toBe('accepted');
  });

  it.each([
    ['--email', spec({ emails: ['secret.person@@example.org'] }), 'secret.person'],
    ['--github', spec({ githubs: ['secret--person'] }), 'secret--person'],
    ['--include-identity', spec({ include: ['email:secret.person.example.org'] }), 'secret.person'],
    ['--include-identity', spec({ include: ['secretperson'] }), 'secretperson'],
  ])('rejects a bad %s with exit 2, without echoing the value', (flag, s, secret) => {
    const err = usageError(() => resolveSubject(s));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(flag);
    expect(err.message).not.toContain(secret);
    expect(err.hint ?? '').not.toContain(secret);
  });

  it('rejects an unknown --include-identity type, naming the known ones (it would match nothing)', () => {
    const err = usageError(() => resolveSubject(spec({ emails: ['ann@example.org'], include: ['gh:zoe'] })));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('unknown identity type "gh"');
    expect(err.hint).toContain('email, github, slack-id');
    expect(err.message + err.hint).not.toContain('zoe');
  });

  it('rejects an empty subject with exit 2', () => {
    const err = usageError(() => resolveSubject(spec({})));
    expect(err.exitCode).toBe(2);
  });

  it('a valid identity does not excuse an invalid one', () => {
    expect(() => resolveSubject(spec({ emails: ['ann@example.org', 'not-an-address'] }))).toThrow(UsageError);
  });
});
