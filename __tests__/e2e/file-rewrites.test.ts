// File rewrites that never report a false "erased": a source path that is a symbolic link gets
// the file it points to rewritten (the link stays a link), and a read-only (0444) file is left
// alone with a failed step (exit 3) unless its source sets rewriteReadOnly.
import { afterEach, describe, expect, it } from '@jest/globals';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { EraseReceiptResult, FindResult } from '../../src/cli/results.js';
import { ANN, BOOTH, cleanupWorkspaces, makeWorkspace, modeOf, read, replaced, run, runJson, without } from './helpers.js';

afterEach(cleanupWorkspaces);

const BOOTH_ROW = 'Ann;Example;ann@example.org;Lanternfish Labs;M;vegetarian;2024-10-01\n';
const ANN_IP = 'ip:203.0.113.7';
// her gitdm block is hers by its login and both its addresses; her access-log lines by the IP of her account
const SUBJECT = ['--email', ANN, '--github', 'ann-example', '--include-identity', 'email:ann@lanternfish.example', '--include-identity', ANN_IP];
const GITDM_BLOCK = 'ann-example: ann!example.org, ann!lanternfish.example\n\tIndependent until 2021-03-01\n\tLanternfish Labs\n';

// Where the links point: the data lives in data/, the config names links in sources/.
const LINKED = {
  csv: 'events/booth.csv',
  gitdm: 'gitdm/developers_affiliations1.txt',
  emailMap: 'gitdm/email-map',
  mbox: 'mail/dev-2024.mbox',
  log: 'logs/access.log',
} as const;
const FROM = {
  csv: BOOTH,
  gitdm: 'fixtures/demo/gitdm/developers_affiliations1.txt',
  emailMap: 'fixtures/demo/gitdm/email-map',
  mbox: 'fixtures/demo/mail/dev-2024.mbox',
  log: 'fixtures/demo/logs/access.log',
} as const;

const LINKS_CONFIG = `controller: { name: Lanternfish Project (demo), contact: privacy@lanternfish.example }
stateDir: .privacyctl
sources:
  - name: booth
    kind: csv
    path: sources/${LINKED.csv}
    delimiter: ";"
    match: { email: [E-Mail] }
    erase: delete-row
  - name: gitdm
    kind: gitdm
    files: [sources/${LINKED.gitdm}, sources/${LINKED.emailMap}]
    erase: remove-lines
  - name: dev-list
    kind: mbox
    paths: ["sources/mail/*.mbox"]
    erase: redact
  - name: web-analytics
    kind: analytics
    accessLogs: ["sources/logs/access.log*"]
`;

/** A workspace whose sources are symbolic links (relative, as a deployment makes them) into data/. */
function linkedWorkspace(): string {
  const ws = makeWorkspace();
  writeFileSync(join(ws, 'privacyctl.yaml'), LINKS_CONFIG);
  for (const [k, rel] of Object.entries(LINKED) as Array<[keyof typeof LINKED, string]>) {
    const real = join(ws, 'data', rel);
    const link = join(ws, 'sources', rel);
    mkdirSync(dirname(real), { recursive: true });
    mkdirSync(dirname(link), { recursive: true });
    renameSync(join(ws, FROM[k]), real);
    symlinkSync(relative(dirname(link), real), link);
  }
  return ws;
}

/** Names in a directory: no temporary file or lock may be left beside a link or its file. */
const namesIn = (dir: string) => readdirSync(dir).sort();

describe('a source path that is a symbolic link', () => {
  it('erase rewrites the file the link points to, the link stays a link, and verify finds nothing', () => {
    const ws = linkedWorkspace();
    const before = new Map(Object.values(LINKED).map((rel) => [rel, read(ws, join('data', rel))]));
    const targets = new Map(Object.values(LINKED).map((rel) => [rel, readlinkSync(join(ws, 'sources', rel))]));
    const dirs = [...new Set(Object.values(LINKED).flatMap((rel) => [join(ws, 'data', dirname(rel)), join(ws, 'sources', dirname(rel))]))];
    const names = new Map(dirs.map((d) => [d, namesIn(d)]));

    const found = runJson<FindResult>(ws, ['--json', 'find', ...SUBJECT]);
    expect(found.code).toBe(0);
    expect(Object.fromEntries(found.json.sources.map((s) => [s.name, s.records]))).toEqual({ booth: 1, gitdm: 3, 'dev-list': 5, 'web-analytics': 2 });

    const r = runJson<EraseReceiptResult>(ws, ['--json', 'erase', ...SUBJECT, '--apply', '--yes']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });

    for (const rel of Object.values(LINKED)) {
      const link = join(ws, 'sources', rel);
      const isLink = lstatSync(link).isSymbolicLink();
      expect({ rel, isLink, target: isLink ? readlinkSync(link) : null }).toEqual({ rel, isLink: true, target: targets.get(rel) });
    }
    // the real files hold the erasure, every other byte as before
    const now = (rel: string) => read(ws, join('data', rel));
    expect(now(LINKED.csv).toString()).toBe(without(before.get(LINKED.csv)!, BOOTH_ROW).toString());
    expect(now(LINKED.gitdm).toString()).toBe(without(before.get(LINKED.gitdm)!, GITDM_BLOCK).toString());
    expect(now(LINKED.emailMap).toString()).toBe(
      before
        .get(LINKED.emailMap)!
        .toString()
        .replace(/^ann!example\.org .*\n/gm, ''),
    );
    expect(now(LINKED.mbox).toString('latin1')).not.toMatch(/^(From |From:|To:|Cc:).*\bann@example\.org/im); // (Jo Ann's words about her stay)
    expect(now(LINKED.mbox).toString('latin1')).toContain('From: Jo Ann <joann@example.org>');
    const log = replaced(
      replaced(before.get(LINKED.log)!, '203.0.113.7 - - [02/Nov', '203.0.113.0 - - [02/Nov'),
      '203.0.113.7 - - [05/Nov',
      '203.0.113.0 - - [05/Nov',
    );
    expect(now(LINKED.log).toString()).toBe(log.toString());
    // nothing left behind in either directory (no temporary file, no lock)
    for (const d of dirs) expect({ d, names: namesIn(d) }).toEqual({ d, names: names.get(d) });

    const v = run(ws, ['verify', ...SUBJECT]);
    expect({ code: v.code, out: v.stdout }).toEqual({ code: 0, out: expect.any(String) });
  });
});

describe('a read-only (0444) source file', () => {
  it('is not rewritten: the step fails saying why (exit 3), the file stays byte-identical and 0444', () => {
    const ws = makeWorkspace();
    const file = join(ws, BOOTH);
    chmodSync(file, 0o444);
    const before = read(ws, BOOTH);
    const r = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--email', ANN, '--apply', '--yes']);
    expect(r.code).toBe(3);
    const booth = r.json.sources.find((s) => s.name === 'booth-registrations');
    expect(booth!.status).toBe('failed');
    expect(JSON.stringify(r.json)).toMatch(/read-only/);
    expect(JSON.stringify(r.json)).toContain('rewriteReadOnly');
    expect(read(ws, BOOTH).equals(before)).toBe(true);
    expect(modeOf(file)).toBe(0o444);
    // the other sources were erased; this one still holds her row
    expect(r.json.sources.find((s) => s.name === 'survey-2024')!.status).not.toBe('failed');
    expect(run(ws, ['verify', '--email', ANN]).code).toBe(5);
  });

  it('is rewritten when its source sets rewriteReadOnly: true, and stays 0444', () => {
    const ws = makeWorkspace();
    const config = join(ws, 'privacyctl.yaml');
    const text = readFileSync(config, 'utf8');
    const withFlag = text.replace('  - name: booth-registrations\n', '  - name: booth-registrations\n    rewriteReadOnly: true\n');
    expect(withFlag).not.toBe(text);
    writeFileSync(config, withFlag);
    const file = join(ws, BOOTH);
    chmodSync(file, 0o444);
    const before = read(ws, BOOTH);
    const r = run(ws, ['erase', '--email', ANN, '--apply', '--yes']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(read(ws, BOOTH).toString()).toBe(without(before, BOOTH_ROW).toString());
    expect(statSync(file).mode & 0o777).toBe(0o444);
    expect(run(ws, ['verify', '--email', ANN]).code).toBe(0);
  });
});
