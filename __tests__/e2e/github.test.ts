// The github source end to end: the built CLI against the fake GitHub, on a copy of the demo
// config extended by a github source. The CLI runs as an asynchronous child process, so the fake
// (in this process) can answer it.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeGitHub, demoWorld } from '../fake-github/server.js';
import type { ErasePlanResult, ExportDocument } from '../../src/cli/results.js';
import { BIN, childEnv, cleanupWorkspaces, makeWorkspace, type RunResult } from './helpers.js';

const TOKEN_ENV = 'PRIVACYCTL_E2E_GH_TOKEN';
const TOKEN = 'test-token';
const SOURCE = 'lanternfish-gh';

let fake: FakeGitHub;
let ws: string;

function runAsync(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function runJson<T>(args: string[], env: Record<string, string | undefined> = { [TOKEN_ENV]: TOKEN }): Promise<RunResult & { json: T }> {
  const r = await runAsync(ws, args, env);
  try {
    return { ...r, json: JSON.parse(r.stdout) as T };
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code})\nstdout: ${r.stdout.slice(0, 400)}\nstderr: ${r.stderr.slice(0, 800)}`);
  }
}

function addSource(dir: string, extra = 'erase: { removeFromOrg: true }'): void {
  appendFileSync(
    join(dir, 'privacyctl.yaml'),
    `\n  - name: ${SOURCE}\n    kind: github\n    org: lanternfish\n    baseUrl: ${fake.base}\n    tokenEnv: ${TOKEN_ENV}\n    ${extra}\n`,
  );
}

const gh = (json: { sources: ExportDocument['sources'] }) => json.sources.find((s) => s.name === SOURCE)!;
const ghRecords = <R extends { source: string }>(json: { records: R[] }) => json.records.filter((r) => r.source === SOURCE);

beforeAll(async () => {
  fake = new FakeGitHub(demoWorld());
  await fake.start();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.world = demoWorld();
  fake.calls.clear();
  fake.faults.length = 0;
  ws = makeWorkspace();
  addSource(ws);
});
afterEach(cleanupWorkspaces);

describe('export with a github source', () => {
  it('--github: the footprint, the request count in the source status, and expansion to the public address', async () => {
    const r = await runJson<ExportDocument>(['export', '--github', 'ann-example']);
    expect(r.code).toBe(0);
    const status = gh(r.json);
    expect(status).toMatchObject({ status: 'ok', kind: 'github' });
    expect(status.stats!['requests']).toBeGreaterThan(0);
    expect(status.stats!['requests']).toBeLessThanOrEqual(30); // two rounds: the handle, then the addresses it revealed
    const types = ghRecords(r.json)
      .map((x) => x.type)
      .sort();
    expect(types).toEqual(['comment', 'comment', 'commit', 'commit', 'issue', 'org-membership', 'profile', 'review', 'team-membership']);
    // Expansion: GitHub's public address for the login found Ann's CSV rows too.
    expect(r.json.subject.identities.map((i) => `${i.type}:${i.value}`)).toContain('email:ann@example.org');
    expect(r.json.records.some((x) => x.source === 'survey-2024')).toBe(true);
    expect(r.stdout).not.toMatch(/Cy says|Bo says|Cy inline|Fix flicker/);
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });

  it('--email: GitHub links the address to the login, strongly, and the login is searched', async () => {
    const r = await runJson<ExportDocument>(['export', '--email', 'ann@example.org']);
    expect(r.code).toBe(0);
    const login = r.json.subject.identities.find((i) => i.type === 'github' && i.value === 'ann-example');
    expect(login?.provenance).toMatchObject({ via: 'link', source: SOURCE });
    expect(ghRecords(r.json).some((x) => x.type === 'profile')).toBe(true);
    expect(ghRecords(r.json).find((x) => x.type === 'issue')?.disposition).toBe('retain');
  });

  it('without a token the source is not searched: named with its reason, and the run is partial (exit 3)', async () => {
    const before = fake.requests;
    const r = await runJson<ExportDocument>(['export', '--email', 'ann@example.org'], {});
    expect(r.code).toBe(3);
    expect(gh(r.json)).toMatchObject({ status: 'skipped', skip: 'unavailable' });
    expect(gh(r.json).reason).toMatch(/no token: set PRIVACYCTL_E2E_GH_TOKEN/);
    expect(r.json.summary.sourcesNotSearched).toEqual([SOURCE]);
    expect(r.json.records.some((x) => x.source === 'survey-2024')).toBe(true);
    expect(fake.requests).toBe(before);
    // sources --check does not call it ok either
    const check = await runAsync(ws, ['sources', '--check'], {});
    expect(check.code).toBe(3);
    expect(check.stderr).toMatch(new RegExp(`– ${SOURCE}: cannot be searched: no token`));
  });

  it('without a token, a source marked optional is still named as not searched, and the run succeeds', async () => {
    ws = makeWorkspace();
    addSource(ws, 'optional: true');
    const r = await runJson<ExportDocument>(['export', '--email', 'ann@example.org'], {});
    expect(r.code).toBe(0);
    expect(gh(r.json)).toMatchObject({ status: 'skipped', skip: 'unavailable', optional: true });
    expect(r.json.summary.sourcesNotSearched).toEqual([SOURCE]);
    expect((await runAsync(ws, ['sources', '--check'], {})).code).toBe(0);
  });

  it('a bad token exits 4 and says how to fix it, without printing the token', async () => {
    const r = await runAsync(ws, ['export', '--github', 'ann-example'], { [TOKEN_ENV]: 'ghp_notvalid123' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/401 Bad credentials/);
    expect(r.stderr + r.stdout).not.toContain('ghp_notvalid123');
  });

  it('a rate limit past the ceiling fails the source (exit 3); the other sources answer', async () => {
    ws = makeWorkspace();
    addSource(ws, 'maxWaitSeconds: 5');
    fake.fault({
      path: '/users/',
      status: 403,
      times: 5,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': () => String(Math.floor(Date.now() / 1000) + 3000) },
      body: { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest' },
    });
    const r = await runJson<ExportDocument>(['export', '--github', 'ann-example']);
    expect(r.code).toBe(3);
    expect(gh(r.json)).toMatchObject({ status: 'failed' });
    expect(gh(r.json).reason).toMatch(/rate limit.*maxWaitSeconds: 5/);
    expect(r.json.sources.find((s) => s.name === 'survey-2024')!.status).toBe('ok');
  });
});

describe('real GitHub answers: refused owner-only lists, renamed or deleted accounts', () => {
  it("a member's token (not an owner's): invitations and outside collaborators are skipped with a note in every output; the rest is found, exit 0", async () => {
    const r = await runJson<ExportDocument>(['export', '--github', 'bo-tr'], { [TOKEN_ENV]: 'member-token' });
    expect(r.code).toBe(0);
    expect(gh(r.json)).toMatchObject({ status: 'ok' });
    expect(gh(r.json).notes).toEqual([
      expect.stringMatching(/^outside collaborators of lanternfish not read: GitHub refused them to this token \(404/),
      expect.stringMatching(/^pending invitations of lanternfish not read: /),
    ]);
    expect(
      ghRecords(r.json)
        .map((x) => x.type)
        .sort(),
    ).toEqual(['comment', 'commit', 'profile', 'pull-request']);
    const plan = await runAsync(ws, ['erase', '--github', 'bo-tr'], { [TOKEN_ENV]: 'member-token' });
    expect(plan.stdout).toMatch(new RegExp(`note +${SOURCE} +pending invitations of lanternfish not read`));
    const html = await runAsync(ws, ['export', '--github', 'bo-tr', '--format', 'html'], { [TOKEN_ENV]: 'member-token' });
    // the reply says the answer is incomplete, in the person's terms (the token advice stays with the operator)
    expect(html.stdout).toContain('Part of what this source may hold could not be read at this time');
    expect(html.stdout).not.toContain('admin:org');
  });

  it('a handle GitHub answers 404 for: the source is partial (exit 3) with the reason, and what the address finds is kept', async () => {
    const r = await runJson<ExportDocument>(['export', '--github', 'ann-renamed', '--email', 'ann@example.org']);
    expect(r.code).toBe(3);
    expect(gh(r.json)).toMatchObject({ status: 'failed', partial: true });
    expect(gh(r.json).reason).toMatch(/a GitHub handle of the subject has no account .*renamed or deleted.*"ghost"/);
    expect(gh(r.json).reason).not.toContain('ann-renamed');
    expect(r.json.summary.sourcesNotSearched).toEqual([SOURCE]);
    // The address still linked to the live account, whose footprint is found and kept.
    expect(ghRecords(r.json).some((x) => x.type === 'commit')).toBe(true);
    expect(r.json.sources.find((s) => s.name === 'survey-2024')!.status).toBe('ok');
    const find = await runAsync(ws, ['find', '--github', 'ann-renamed'], { [TOKEN_ENV]: TOKEN });
    expect(find.code).toBe(3);
    expect(find.stdout).toMatch(new RegExp(`${SOURCE} +0 records, ONLY PARTLY SEARCHED: a GitHub handle`));
  });
});

describe('erase with a github source', () => {
  it('the plan retains contributions and removes memberships as configured', async () => {
    const r = await runJson<ErasePlanResult>(['erase', '--github', 'ann-example', '--json']);
    expect(r.code).toBe(0);
    const recs = r.json.records.filter((x) => x.source === SOURCE);
    for (const x of recs.filter((x) => ['issue', 'comment', 'review', 'commit'].includes(x.type))) {
      expect(x).toMatchObject({ disposition: 'retain', retention: { reason: expect.stringMatching(/proof of contribution/) } });
    }
    expect(
      recs
        .filter((x) => x.disposition === 'erase')
        .map((x) => x.type)
        .sort(),
    ).toEqual(['org-membership', 'team-membership']);
    expect(recs.find((x) => x.type === 'profile')!.disposition).toBe('manual');
    expect(fake.count('DELETE', '/orgs/lanternfish/members/ann-example')).toBe(0);

    ws = makeWorkspace();
    addSource(ws, 'erase: { removeFromOrg: false }');
    const manual = await runJson<ErasePlanResult>(['erase', '--github', 'ann-example', '--json']);
    const m = manual.json.records.filter((x) => x.source === SOURCE && x.type === 'org-membership');
    expect(m).toEqual([expect.objectContaining({ disposition: 'manual', manual: expect.stringMatching(/removeFromOrg: true/) })]);
  });

  it('--apply --yes removes the org membership with exactly one DELETE, also when re-run', async () => {
    const first = await runAsync(ws, ['erase', '--github', 'ann-example', '--apply', '--yes'], { [TOKEN_ENV]: TOKEN });
    expect(first.code).toBe(0);
    expect(fake.count('DELETE', '/orgs/lanternfish/members/ann-example')).toBe(1);
    expect(first.stdout).toMatch(/ERASED \(\d+\)\n(?: {2}.*\n)* {2}lanternfish-gh +org-membership /);
    const again = await runAsync(ws, ['erase', '--github', 'ann-example', '--apply', '--yes'], { [TOKEN_ENV]: TOKEN });
    expect(again.code).toBe(0);
    expect(fake.count('DELETE', '/orgs/lanternfish/members/ann-example')).toBe(1);
    expect(fake.world.members['ann-example']).toBeUndefined();
  });
});
