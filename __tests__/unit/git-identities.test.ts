// The git adapter's identities(): every address and login by which discover could find a record
// (authors, committers, reported trailers on all refs, noreply logins, people files), canonical,
// so that `replay` recognises an erased person a restore brought back.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitFactory } from '../../src/adapters/git/index.js';
import type { SourceAdapter } from '../../src/adapters/types.js';
import { loadConfig } from '../../src/core/config.js';
import { normalizeEmail, normalizeGithub, type Identity } from '../../src/core/identity.js';
import { findRestored, type ErasedSubject } from '../../src/core/replay.js';
import { StateDir } from '../../src/state/state-dir.js';
import { expectCanonical, expectEachFinds, expectMatchedListed, keys, listIdentities } from '../helpers/identities.js';
import { fastImport, git, type FakeCommit, gitAdapter } from '../helpers/git-repo.js';
import { demoSource } from '../helpers/demo-config.js';
import { testContext } from '../helpers/many.js';

const email = (value: string): Identity => ({ type: 'email', value });
const github = (value: string): Identity => ({ type: 'github', value });
const ctx = testContext;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-git-ids-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const adapter = (repos: unknown[], extra: Record<string, unknown> = {}): SourceAdapter => gitAdapter(dir, repos, extra);

/** The git source of the demo config (privacyctl.yaml), the bundle's clone kept in the test's directory. */
function demoAdapter(): SourceAdapter {
  return demoSource(gitFactory, path.join(dir, '.privacyctl')).adapter;
}

/**
 * Candidate identities read straight from a repository with git itself, not the adapter's
 * parsers: every `@`/`!` address-like token and every word that could be a login in the history
 * (all refs) and in the files at the tip.
 */
function candidates(repo: string): Identity[] {
  const text = git(repo, ['log', '--all', '--format=%ae%n%ce%n%B']) + git(repo, ['grep', '-h', '-I', '-e', '.', 'HEAD', '--']).replace(/^HEAD:/gm, '');
  const out = new Map<string, Identity>();
  for (const tok of text.split(/[\s<>()[\],;:"'`|*]+/)) {
    const e = normalizeEmail(tok.replace(/\.$/, ''));
    if (e) out.set(`email:${e}`, email(e));
    for (const part of tok.split(/[@/]/)) {
      const g = normalizeGithub(part);
      if (g) out.set(`github:${g}`, github(g));
    }
  }
  return [...out.values()];
}

describe('git identities() on the demo bundle (privacyctl.yaml)', () => {
  it('lists every identity in the records discover finds for the demo people, canonical and once each', async () => {
    const a = demoAdapter();
    const ids = await listIdentities(a);
    expectCanonical(ids);
    const listed = keys(ids);
    const people: Identity[][] = [
      [email('ann@example.org'), github('ann-example')],
      [email('ann@lanternfish.example')],
      [email('1234567+ann-example@users.noreply.github.com')],
      [email('joann@example.org'), github('joann-d')],
      [email('jdoe@example.org')],
      [email('bo@lanternfish.example'), email('bo.tr@example.com'), github('botr')],
      [email('zoë.lindqvist@example.net'), email('zoe@old-mail.example'), github('zoe-lq')],
      [github('dana-r')],
    ];
    expect(await expectMatchedListed(a, listed, people)).toBeGreaterThan(30);
    // the demo's people, as the history and the people files write them
    for (const k of [
      'email:ann@example.org',
      'email:ann@lanternfish.example',
      'email:1234567+ann-example@users.noreply.github.com',
      'github:ann-example',
      'email:4242+dana-r@users.noreply.github.com',
      'github:dana-r', // from the noreply address in the history, and @dana-r in MAINTAINERS.md
      'email:zoë.lindqvist@example.net',
      'email:zoe@old-mail.example', // .mailmap only
      'email:jdoe@example.org', // .mailmap only
      'github:zoe-lq', // OWNERS only
      'github:joann-d',
      'github:botr',
    ]) {
      expect(listed.has(k)).toBe(true);
    }
  });

  it('misses nothing discover could match: every address or login-like token of the repository, as a subject, finds only listed identities', async () => {
    const a = demoAdapter();
    const listed = keys(await listIdentities(a));
    const mirror = path.join(
      dir,
      '.privacyctl/cache/git',
      fs.readdirSync(path.join(dir, '.privacyctl/cache/git')).find((n) => n.endsWith('.git'))!,
    );
    const cands = candidates(mirror);
    expect(cands.length).toBeGreaterThan(50);
    // One subject holding every candidate: discover matches each record's identities out of them.
    expect(await expectMatchedListed(a, listed, [cands])).toBeGreaterThan(30);
  });

  it('each identity listed, given to discover alone, finds a record', async () => {
    const a = demoAdapter();
    await expectEachFinds(a, await listIdentities(a));
  });

  it('reads one git log per repository', async () => {
    const c = ctx();
    for await (const _ of demoAdapter().identities!(c)) void _;
    expect(c.stats).toMatchObject({ repositories: 1, commits: 9, peopleFiles: 7 });
  });
});

describe('git identities() on generated repositories', () => {
  const COMMITS: FakeCommit[] = [
    { author: 'Ann Example <Ann@Example.ORG>', message: 'Upper-case author\n\nSigned-off-by: "Ann Example" <ANN@EXAMPLE.ORG>\n' },
    {
      author: 'Joann Doe <joann@example.org>',
      committer: 'Bo <12+BoTR@users.noreply.github.com>',
      message:
        'Noreply committer\n\nReviewed-by: Quinn <Quinn@Quayside.example>\nCo-Authored-By: Zoe <Zoe\u0308@Example.NET>\nTested-by: Dana <dana!example.com>\nSigned-off-by: Joann Doe <joann@example.org>\n',
    },
    {
      author: 'Side <side@example.org>',
      message: 'On a side branch only\n\nAcked-by: Side Kick <sidekick@example.org>\nReported-by: 77+Reporter-X@users.noreply.github.com\n',
      branch: 'feature',
    },
    {
      author: 'Ann Example <ann@example.org>',
      message: 'Signed-off-by: title@example.org is the title, not a trailer\n\nCc: carbon@example.org\nSee-also: other@example.org\n',
    },
    { author: 'Nobody <not-an-address>', message: 'no address at all\n' },
  ];
  const FILES = {
    '.mailmap': '# comment\nProper Name <PROPER@Example.org> Commit Name <Commit@Example.ORG>\n<only@example.org>\n',
    '.github/CODEOWNERS': '*.md @Docs-Owner @some-org/some-team\n/pkg/ pkg.owner@Example.com\n',
    OWNERS: 'approvers:\n  - Approver-One\nreviewers: [Reviewer-Two, reviewer@example.org]\nlabels:\n  - not-a-person\n',
    'MAINTAINERS.md':
      '| Name | GitHub | Email |\n|---|---|---|\n| Mae | [Mae-Tainer](https://github.com/Mae-Tainer) | <MAE@Example.org> |\n\nEmeritus: @Old-Hand, see github.com/Linked-Login.\n',
    SECURITY_CONTACTS: '# contacts\nSec-Contact\nsec@example.org\n',
  };

  it('gives every spelling in canonical form: upper case, Name <addr>, user!domain, decomposed Unicode, noreply logins, people files', async () => {
    const repo = fastImport(path.join(dir, 'repo'), COMMITS, { files: FILES });
    const ids = await listIdentities(adapter([repo]));
    expectCanonical(ids);
    const listed = keys(ids);
    for (const k of [
      'email:ann@example.org', // Ann@Example.ORG, "Ann Example" <ANN@EXAMPLE.ORG>
      'email:12+botr@users.noreply.github.com',
      'github:botr', // the login the noreply committer names
      'email:quinn@quayside.example',
      'email:zo\u00eb@example.net', // NFC
      'email:dana@example.com', // written dana!example.com
      'email:side@example.org', // a branch other than main
      'email:sidekick@example.org',
      'email:77+reporter-x@users.noreply.github.com',
      'github:reporter-x',
      'email:joann@example.org',
      'email:proper@example.org',
      'email:commit@example.org',
      'email:only@example.org',
      'github:docs-owner',
      'email:pkg.owner@example.com',
      'github:approver-one',
      'github:reviewer-two',
      'email:reviewer@example.org',
      'github:mae-tainer',
      'email:mae@example.org',
      'github:old-hand',
      'github:linked-login',
      'github:sec-contact',
      'email:sec@example.org',
    ]) {
      expect({ k, listed: listed.has(k) }).toEqual({ k, listed: true });
    }
    expect(ids.some((id) => /[A-Z]/.test(id.value) || id.value.includes('!') || id.value.includes('<'))).toBe(false);
    // discover reports an address in the title (a mention) and in any trailer (Cc, See-also)…
    for (const k of ['email:title@example.org', 'email:carbon@example.org', 'email:other@example.org']) expect(listed.has(k)).toBe(true);
    // …but not a team, an OWNERS label or a non-address
    for (const k of ['github:some-org', 'github:not-a-person', 'email:not-an-address']) expect(listed.has(k)).toBe(false);
  });

  it('lists every identity discover matches, and each identity listed finds a record on its own', async () => {
    const repo = fastImport(path.join(dir, 'repo'), COMMITS, { files: FILES });
    const a = adapter([repo]);
    const ids = await listIdentities(a);
    const listed = keys(ids);
    expect(await expectMatchedListed(a, listed, [candidates(repo)])).toBeGreaterThan(20);
    await expectEachFinds(a, ids);
  });

  it('peopleFiles: false lists the history only; two repositories, one Set: each identity once', async () => {
    const one = fastImport(path.join(dir, 'one'), COMMITS, { files: FILES });
    const two = fastImport(path.join(dir, 'two'), [{ author: 'Ann <ann@example.org>', message: 'again\n\nSigned-off-by: New Person <new@example.org>\n' }], {
      files: { '.mailmap': 'Ann <ann@example.org> <only@example.org>\n' },
    });
    const noPeople = keys(await listIdentities(adapter([one], { peopleFiles: false })));
    expect(noPeople.has('email:ann@example.org')).toBe(true);
    expect(noPeople.has('github:docs-owner')).toBe(false);
    expect(noPeople.has('email:only@example.org')).toBe(false);
    const both = await listIdentities(adapter([one, two]));
    expectCanonical(both);
    expect(keys(both).has('email:new@example.org')).toBe(true);
  });

  it('an empty repository lists nothing and is not an error', async () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    git(empty, ['init', '-q', '-b', 'main']);
    expect(await listIdentities(adapter([empty]))).toEqual([]);
  });
});

describe('replay over the git source', () => {
  const COMMITS_FOR_REPLAY: FakeCommit[] = [
    { author: 'Ann <1234567+Ann-Example@users.noreply.github.com>', message: 'From the web editor\n' },
    { author: 'Bo <bo@example.org>', message: 'Another\n' },
  ];

  it('recognises a person erased by their login alone from a noreply commit the restore brought back', async () => {
    const repo = fastImport(path.join(dir, 'repo'), COMMITS_FOR_REPLAY);
    const file = path.join(dir, 'privacyctl.yaml');
    fs.writeFileSync(
      file,
      `stateDir: ${JSON.stringify(path.join(dir, '.privacyctl'))}\nsources:\n  - name: repo\n    kind: git\n    repos: [${JSON.stringify(repo)}]\n`,
    );
    const config = loadConfig(file);
    const state = new StateDir(config.stateDir);
    const erased: ErasedSubject = { ref: 'r1', hashes: new Set([state.hashIdentity(github('ann-example'))]), planIds: ['p1'], lastErasedAt: '' };
    const other: ErasedSubject = { ref: 'r2', hashes: new Set([state.hashIdentity(email('never@example.org'))]), planIds: ['p2'], lastErasedAt: '' };
    const { restored, sources } = await findRestored(config, state, [erased, other], { signal: new AbortController().signal, log: { info() {}, warn() {} } });
    expect(sources).toEqual([{ name: 'repo', status: 'ok', identities: expect.any(Number) }]);
    expect(restored.map((r) => [r.subject.ref, r.identities.map((i) => `${i.type}:${i.value}`)])).toEqual([['r1', ['github:ann-example']]]);
  });
});
