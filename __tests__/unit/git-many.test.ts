// The git adapter's discoverMany: one `git log` and one read of the people files for a batch of
// subjects, giving each exactly what discover gives it alone.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitFactory } from '../../src/adapters/git/index.js';
import { NeedleIndex, foldNeedle, foldText } from '../../src/core/needle-index.js';
import type { SourceAdapter } from '../../src/adapters/types.js';
import { IdentityMatcher, normalizeEmail, type Identity } from '../../src/core/identity.js';
import { isIdentityLink, type IdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { expectManyMatchesSingle, testContext } from '../helpers/many.js';
import { fastImport, git, type FakeCommit, gitAdapter } from '../helpers/git-repo.js';
import { demoSource } from '../helpers/demo-config.js';

const email = (value: string): Identity => ({ type: 'email', value });
const github = (value: string): Identity => ({ type: 'github', value });
const who = (...ids: Identity[]) => new IdentityMatcher(ids);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-git-many-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const adapter = (repos: unknown[], extra: Record<string, unknown> = {}): SourceAdapter => gitAdapter(dir, repos, extra);

/** The git source of the demo config (privacyctl.yaml), its state (the bundle's clone) kept in the test's directory. */
function demoAdapter(): SourceAdapter {
  return demoSource(gitFactory, path.join(dir, '.privacyctl')).adapter;
}

function split(items: Array<PersonalRecord | IdentityLink>): { records: PersonalRecord[]; links: IdentityLink[] } {
  return { records: items.filter((x): x is PersonalRecord => !isIdentityLink(x)), links: items.filter(isIdentityLink) };
}

describe('git discoverMany on the demo bundle (privacyctl.yaml)', () => {
  it('gives each subject what discover gives it: shared commits, email + login, no data, no git identity', async () => {
    const subjects = [
      who(email('ann@example.org')),
      who(email('ann@example.org'), github('ann-example')), // email + GitHub handle
      who(email('joann@example.org')), // authored the commit Ann committed and reviewed
      who(email('bo@lanternfish.example')), // committed most of them; Acked-by next to Ann's Reviewed-by
      who(email('zoë.lindqvist@example.net')), // authored the commit Ann co-authored
      who(github('dana-r')), // only through a noreply address
      who(email('nobody@example.org')), // no data
      who({ type: 'ip', value: '203.0.113.7' }), // nothing git can match
      who(email('ann@lanternfish.example')), // the other address of Ann's .mailmap entry
    ];
    const many = (await expectManyMatchesSingle(demoAdapter(), subjects)).map(split);
    // the fish-tank commit: Joann's as author, Ann's as committer and reviewer, Bo's as acker
    const joann = many[2]!.records.find((r) => r.type === 'commit')!;
    expect(joann.data['subject']).toBe('Add a fish-tank sensor');
    const sha = joann.data['commit'];
    expect(
      many[0]!.records
        .filter((r) => r.data['commit'] === sha)
        .map((r) => r.type)
        .sort(),
    ).toEqual(['commit', 'trailer']);
    expect(many[0]!.records.find((r) => r.type === 'commit' && r.data['commit'] === sha)!.data['authorEmail']).toBeUndefined();
    expect(many[3]!.records.filter((r) => r.data['commit'] === sha).map((r) => r.type)).toEqual(['trailer']);
    expect(JSON.stringify(many[2])).not.toMatch(/"ann@example\.org"/);
    // Zoë's commit has Ann's co-author trailer
    const zoe = many[4]!.records.find((r) => r.type === 'commit' && r.data['subject'] === 'Soften the glow')!;
    expect(many[0]!.records.some((r) => r.type === 'co-author' && r.data['commit'] === zoe.data['commit'])).toBe(true);
    // with the login Ann also gets the noreply commit and the people-file lines naming her handle
    expect(many[1]!.records.length).toBeGreaterThan(many[0]!.records.length);
    expect(many[5]!.records.some((r) => r.type === 'commit' && r.matched[0]!.type === 'github')).toBe(true);
    expect(many[6]).toEqual({ records: [], links: [] });
    expect(many[7]).toEqual({ records: [], links: [] });
    expect(many[8]!.records.some((r) => r.locator === 'lanternfish:.mailmap:2')).toBe(true);
  });

  it('reads the history once for the whole batch', async () => {
    const ctx = testContext();
    const items = [];
    for await (const t of demoAdapter().discoverMany!([who(email('ann@example.org')), who(email('bo@lanternfish.example')), who(github('ann-example'))], ctx))
      items.push(t);
    expect(items.length).toBeGreaterThan(0);
    expect(ctx.stats).toMatchObject({ repositories: 1, commits: 9, peopleFiles: 7 });
  });
});

describe('git discoverMany on local clones', () => {
  it('matches discover on every written form of an address, across two repositories', async () => {
    const commits: FakeCommit[] = [
      { author: 'Ann Example <Ann@Example.ORG>', message: 'Upper-case author\n\nSigned-off-by: Ann Example <ann@example.org>\n' },
      {
        author: 'Joann Doe <joann@example.org>',
        committer: 'Ann Example <ann@example.org>',
        message:
          'Shared commit\n\nReviewed-by: Bo <bo@example.net>\nCo-authored-by: Ann Example <ann@example.org>\nSigned-off-by: Joann Doe <joann@example.org>\n',
      },
      { author: 'Zoë Lindqvist <zoe\u0308@example.net>', message: 'Decomposed umlaut\n\nSigned-off-by: Zoë <ZOË@example.net>\n' },
      {
        author: 'Bo <bo@example.net>',
        message: 'Bang form and mailto\n\nTested-by: Ann <ann!example.org>\nReported-by: Joann <mailto:JOANN@example.org>\nAcked-by: Dana dana@example.com.\n',
      },
      {
        author: 'Ann Example <1234567+Ann-Example@users.noreply.github.com>',
        message: 'Noreply\n\nSigned-off-by: Ann Example <1234567+ann-example@users.noreply.github.com>\n',
      },
      // lower-cased in place, `mailto:Σ` has a final sigma (ς); the address alone has σ
      { author: 'Sigma <mailto:Σ@example.gr>', message: 'A final sigma\n' },
      { author: 'Bo <bo@example.net>', message: 'A Greek sign-off\n\nSigned-off-by: Sigma <mailto:ΑΣ@example.gr>\n' },
      { author: 'Near Miss <xann@example.org>', message: 'Near miss\n\nSigned-off-by: Near <ann@example.org.uk>\nCc: ann@example.org\n' },
      {
        author: 'Ann Example <ann@example.org>',
        message: 'On a side branch\n\nTested-by: Ann Example\n  <ann@example.org>\nSigned-off-by: Ann Example <ann@lanternfish.example>\n',
        branch: 'side',
      },
    ];
    const files = {
      '.mailmap': 'Ann Example <ann@example.org> <ann@lanternfish.example>\nJoann Doe <joann@example.org> <jdoe@example.org>\n',
      OWNERS: 'approvers:\n  - ann-example\n  - joann-d\nreviewers: [ann-example, bo-n]\n',
      'MAINTAINERS.md':
        '| Name | GitHub | Email |\n|---|---|---|\n| Ann Example | ann-example | ann@example.org |\n| Bo N | @bo-n | bo@example.net |\n\nAll: ann@example.org, joann@example.org\n',
    };
    fastImport(path.join(dir, 'one.git'), commits, { bare: true, files });
    fastImport(path.join(dir, 'two'), commits.slice(0, 3), { files: { '.mailmap': files['.mailmap'] } });
    const a = adapter(['one.git', 'two']);
    const subjects = [
      who(email('ann@example.org')),
      who(email('ann@example.org'), github('ann-example')),
      who(github('ann-example')),
      who(email('joann@example.org')),
      who(email('bo@example.net'), github('bo-n')),
      who(email(normalizeEmail('zoe\u0308@example.net')!)),
      who(email('dana@example.com')),
      who(email('σ@example.gr')),
      who(email('nobody@example.org')),
      who({ type: 'name', value: 'Ann Example' }),
      who(email('ας@example.gr')),
    ];
    const many = (await expectManyMatchesSingle(a, subjects)).map(split);
    const types = (i: number) => many[i]!.records.map((r) => `${r.type}@${r.locator.split('@')[0]!.split(':')[0]}`).sort();
    expect(types(0).filter((t) => t.endsWith('@one')).length).toBeGreaterThanOrEqual(7);
    expect(many[0]!.records.some((r) => r.type === 'trailer' && r.data['email'] === 'ann!example.org')).toBe(true);
    expect(many[2]!.records.some((r) => r.type === 'commit' && r.matched[0]!.type === 'github')).toBe(true);
    expect(many[3]!.records.some((r) => r.type === 'trailer' && r.data['trailer'] === 'Reported-by')).toBe(true);
    expect(many[5]!.records.filter((r) => r.type === 'commit' || r.type === 'signoff')).toHaveLength(4); // one commit and sign-off in each repository
    expect(many[6]!.records.map((r) => r.type)).toEqual(['trailer']);
    expect(many[7]!.records.map((r) => r.type)).toEqual(['commit']);
    expect(many[10]!.records.map((r) => r.type)).toEqual(['signoff']);
    expect(many[8]).toEqual({ records: [], links: [] });
    expect(many[9]).toEqual({ records: [], links: [] });
    // the same candidate link in both repositories is reported once, from the first, as discover does
    expect(many[0]!.links.filter((l) => l.to.value === 'ann@lanternfish.example' && l.locator.includes('.mailmap'))).toHaveLength(1);
    expect(JSON.stringify(many[3])).not.toMatch(/"ann@example\.org"/);
  });

  it('an empty repository and an empty batch give nothing', async () => {
    fs.mkdirSync(path.join(dir, 'empty'));
    git(path.join(dir, 'empty'), ['init', '-q']);
    const a = adapter(['empty']);
    await expectManyMatchesSingle(a, [who(email('ann@example.org')), who(github('ann-example'))]);
    const none = [];
    for await (const t of a.discoverMany!([], testContext())) none.push(t);
    expect(none).toEqual([]);
  });
});

describe('git discoverMany with 100 subjects', () => {
  it('gives each of 100 generated subjects what discover gives it, from one pass over a generated repository', async () => {
    // A deterministic PRNG (mulberry32).
    let seed = 20241201;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    // 130 people: the first 100 are subjects of the batch, the rest are not.
    const people = Array.from({ length: 130 }, (_, i) => ({
      name: `Dev ${String.fromCharCode(65 + (i % 26))}${i}`,
      email: `dev${i}@${['example.org', 'example.com', 'lantern.example'][i % 3]}`,
      login: `dev-${i}`,
    }));
    const written = (p: (typeof people)[number]) => {
      const r = rnd();
      if (r < 0.1) return p.email.toUpperCase();
      if (r < 0.15) return p.email.replace('@', '!');
      if (r < 0.25) return `${1000 + people.indexOf(p)}+${p.login}@users.noreply.github.com`;
      return p.email;
    };
    const commits: FakeCommit[] = [];
    for (let i = 0; i < 1200; i++) {
      const a = pick(people);
      const c = rnd() < 0.7 ? a : pick(people);
      const trailers = [`Signed-off-by: ${a.name} <${written(a)}>`];
      for (const key of ['Co-authored-by', 'Reviewed-by', 'Acked-by'])
        if (rnd() < 0.2) trailers.push(`${key}: ${pick(people).name} <${written(pick(people))}>`);
      const prose = rnd() < 0.05 ? `\n\nThanks to ${pick(people).email} for the report.` : '';
      commits.push({
        author: `${a.name} <${written(a)}>`,
        committer: `${c.name} <${written(c)}>`,
        message: `Change ${i}${prose}\n\n${trailers.join('\n')}\n`,
        branch: i % 10 === 9 ? 'release' : 'main',
      });
    }
    const files = {
      '.mailmap':
        people
          .slice(0, 60)
          .map((p, i) => `${p.name} <${p.email}> <old${i}@example.net>`)
          .join('\n') + '\n',
      OWNERS: `approvers:\n${people
        .slice(0, 40)
        .map((p) => `  - ${p.login}`)
        .join('\n')}\nreviewers: [${people
        .slice(30, 50)
        .map((p) => p.login)
        .join(', ')}]\n`,
      'MAINTAINERS.md': `| Name | GitHub | Email |\n|---|---|---|\n${people
        .slice(0, 30)
        .map((p) => `| ${p.name} | ${p.login} | ${p.email} |`)
        .join('\n')}\n\nTeam: ${people
        .slice(20, 25)
        .map((p) => p.email)
        .join(', ')}\n`,
      CODEOWNERS:
        people
          .slice(0, 20)
          .map((p, i) => `/dir${i}/ @${p.login} @${people[i + 1]!.login} ${p.email}`)
          .join('\n') + '\n',
    };
    fastImport(path.join(dir, 'gen.git'), commits, { bare: true, files });
    const subjects = people.slice(0, 100).map((p, i) => {
      if (i % 10 === 1) return who(github(p.login)); // GitHub handle only
      if (i % 10 === 2) return who(email(p.email), github(p.login)); // email + handle
      if (i % 10 === 3) return who(email(p.email), email(`old${i}@example.net`)); // two addresses
      if (i % 10 === 4) return who(email(`absent${i}@example.org`)); // no data
      if (i % 10 === 5) return who(email(people[i - 1]!.email), email(p.email)); // shares an address with the subject before
      return who(email(p.email));
    });
    const a = adapter(['gen.git']);
    const many = (await expectManyMatchesSingle(a, subjects)).map(split);
    expect(many.filter((m) => m.records.length > 0).length).toBeGreaterThan(85);
    expect(many[4]!.records).toEqual([]);
    expect(many.reduce((n, m) => n + m.records.length, 0)).toBeGreaterThan(2000);
    // one pass: every commit read once
    const ctx = testContext();
    for await (const _ of a.discoverMany!(subjects, ctx)) void _;
    expect(ctx.stats['commits']).toBe(1200);
  }, 180_000);
});

describe('NeedleIndex', () => {
  it('finds exactly the needles String.includes finds (random texts and needles)', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const alphabet = 'ab@!.c';
    const word = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    for (let round = 0; round < 300; round++) {
      const needles = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => word(1 + Math.floor(rnd() * 9))).filter((n) => /[@!]/.test(n));
      const index = new NeedleIndex<number>();
      needles.forEach((n, i) => expect(index.add(n, i)).toBe(true));
      const text = word(Math.floor(rnd() * 60));
      const found = new Set<number>();
      index.scan(text, (i) => found.add(i));
      const want = new Set(needles.flatMap((n, i) => (text.includes(n) ? [i] : [])));
      expect([...found].sort()).toEqual([...want].sort());
    }
    expect(new NeedleIndex<number>().add('no-separator', 0)).toBe(false);
  });

  it('folds text and needles alike: case, NFC and the final sigma', () => {
    expect(foldText('Zoe\u0308@Example.NET')).toBe('zoë@example.net');
    expect(foldText('mailto:Σ@example.gr')).toContain(foldNeedle(normalizeEmail('mailto:Σ@example.gr')!));
    expect(foldText('ΑΣ@example.gr')).toContain(foldNeedle(normalizeEmail('ΑΣ@example.gr')!));
  });
});
