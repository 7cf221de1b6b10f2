// erase / verify / init / sources / --version / --help, end to end on a copy of the demo data.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ErasePlanResult, EraseReceiptResult, SourcesResult, VerifyResult } from '../../src/cli/results.js';
import {
  ANN,
  BOOTH,
  CONTEST,
  CSV_FILES,
  ROOT,
  SURVEY,
  cleanupWorkspaces,
  expectSameFiles,
  listFiles,
  makeWorkspace,
  modeOf,
  read,
  replaced,
  run,
  runJson,
  runPtyAnswering,
  snapshot,
  without,
} from './helpers.js';

// ann's rows, byte for byte as the demo files hold them
const SURVEY_ROW =
  '2024-03-02T09:14:00Z,Ann@Example.ORG,Ann Example,@Ann-Example,Lanternfish Labs,Portugal,Fixed a typo in the docs,"Loved the mentoring.\nMore office hours, please!"\r\n';
const BOOTH_ROW = 'Ann;Example;ann@example.org;Lanternfish Labs;M;vegetarian;2024-10-01\n';
const CONTEST_ROW = '101,ann-example,ann@example.org,Ann Example,"=HYPERLINK(""http://lanternfish.example/vote"";""Vote for my lantern"")",2024-05-01\n';
const CONTEST_REDACTED = '101,,,,"=HYPERLINK(""http://lanternfish.example/vote"";""Vote for my lantern"")",2024-05-01\n';

let ws: string;
beforeEach(() => {
  ws = makeWorkspace();
});
afterEach(cleanupWorkspaces);

/** The demo files after ann's erasure: her rows gone (contest: redacted), every other byte kept. */
function expectedAfterErase(before: Map<string, Buffer>): Map<string, Buffer> {
  const after = new Map(before);
  after.set(SURVEY, without(before.get(SURVEY)!, SURVEY_ROW));
  after.set(BOOTH, without(before.get(BOOTH)!, BOOTH_ROW));
  after.set(CONTEST, replaced(before.get(CONTEST)!, CONTEST_ROW, CONTEST_REDACTED));
  return after;
}

function expectFiles(expected: Map<string, Buffer>): void {
  for (const f of CSV_FILES) expect(read(ws, f).toString('utf8')).toBe(expected.get(f)!.toString('utf8'));
  expectSameFiles(ws, expected);
}

describe('erase (dry run, the default)', () => {
  it('exits 0, prints the plan and changes no file', () => {
    const before = snapshot(ws);
    const r = run(ws, ['erase', '--email', ANN]);
    expect(r.code).toBe(0);
    for (const s of ['survey-2024', 'booth-registrations', 'logo-contest']) expect(r.stdout).toContain(s);
    expect(r.stderr).toMatch(/dry run|nothing was changed/i);
    expectSameFiles(ws, before);
  });

  it('--json prints a plan document with steps', () => {
    const before = snapshot(ws);
    const r = runJson<ErasePlanResult>(ws, ['--json', 'erase', '--email', ANN]);
    expect(r.code).toBe(0);
    const plan = r.json;
    expect(plan.format).toBe('privacyctl/plan@1');
    expect(plan.planId).toEqual(expect.any(String));
    expect(plan.steps).toHaveLength(3);
    expect(plan.steps.map((s) => s.source).sort()).toEqual(['booth-registrations', 'logo-contest', 'survey-2024']);
    expect(plan.steps.find((s) => s.source === 'logo-contest')!.action).toBe('redact-fields');
    expect(plan.steps.find((s) => s.source === 'survey-2024')!.action).toBe('delete-row');
    for (const s of plan.sources) expect(s).toEqual(expect.objectContaining({ status: 'ok', fingerprint: expect.any(String) }));
    expect(JSON.stringify(plan)).not.toMatch(/joann|\.invalid/i);
    expectSameFiles(ws, before);
  });

  it('verify before erasing exits 5 and lists what remains', () => {
    const r = runJson<VerifyResult>(ws, ['--json', 'verify', '--email', ANN]);
    expect(r.code).toBe(5);
    expect(r.json.status).toBe('data-remains');
    expect(r.json.remaining).toHaveLength(3);
  });
});

describe('erase --apply', () => {
  it('without a TTY and without --yes: exit 2, nothing changed', () => {
    const before = snapshot(ws);
    const r = run(ws, ['erase', '--email', ANN, '--apply']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--yes');
    expectSameFiles(ws, before);
  });

  it.each([
    ['n', 'n\r'],
    ['Enter (the default is No)', '\r'],
  ])('on a terminal it asks first; answering %s erases nothing', async (_name, answer) => {
    const before = snapshot(ws);
    const r = await runPtyAnswering(ws, ['erase', '--email', ANN, '--apply'], answer);
    expect(r.asked).toBe(true);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/nothing was erased/);
    expectSameFiles(ws, before);
  });

  it('on a terminal, answering y carries the plan out', async () => {
    const before = snapshot(ws);
    const r = await runPtyAnswering(ws, ['erase', '--email', ANN, '--apply'], 'y\r');
    expect(r.asked).toBe(true);
    expect(r.code).toBe(0);
    expectFiles(expectedAfterErase(before));
  });

  it('--yes without --apply is refused, nothing changed', () => {
    const before = snapshot(ws);
    const r = run(ws, ['erase', '--email', ANN, '--yes']);
    expect(r.code).toBe(2);
    expectSameFiles(ws, before);
  });

  it('--apply --yes: a receipt; ann is gone, everyone else byte-for-byte unchanged; verify exits 0', () => {
    const before = snapshot(ws);
    const r = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--email', ANN, '--apply', '--yes']);
    expect(r.code).toBe(0);
    const receipt = r.json;
    expect(receipt.format).toBe('privacyctl/receipt@1');
    expect(receipt.erased).toHaveLength(3);
    expect(receipt.erased.map((e) => e.source).sort()).toEqual(['booth-registrations', 'logo-contest', 'survey-2024']);
    expect(receipt.failed).toEqual([]);
    // the printed receipt is the reply to the person: it names them (stored copies do not)
    expect(receipt.subject.identities.map((i) => i.value)).toContain(ANN);

    expectFiles(expectedAfterErase(before));

    const v = runJson<VerifyResult>(ws, ['--json', 'verify', '--email', ANN]);
    expect(v.code).toBe(0);
    expect(v.json.status).toBe('clean');
    // the others are all still findable
    for (const other of ['joann@example.org', 'bo@lanternfish.example', 'dana.ruiz@example.com', 'ann@example.org.invalid', 'zo\u00eb.lindqvist@example.net']) {
      expect(run(ws, ['verify', '--email', other]).code).toBe(5);
    }
  });

  it('--apply --yes without --json prints a human receipt on stdout', () => {
    const r = run(ws, ['erase', '--email', ANN, '--apply', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/erased/);
    expect(r.stdout).toContain('survey-2024');
    expect(run(ws, ['verify', '--email', ANN]).code).toBe(0);
  });

  it('running it twice: the second run exits 0 and erases nothing', () => {
    const before = snapshot(ws);
    expect(run(ws, ['erase', '--email', ANN, '--apply', '--yes']).code).toBe(0);
    const after = snapshot(ws);
    const r = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--email', ANN, '--apply', '--yes']);
    expect(r.code).toBe(0);
    expect(r.json.format).toBe('privacyctl/receipt@1');
    expect(r.json.erased).toEqual([]);
    expectSameFiles(ws, after);
    expectFiles(expectedAfterErase(before));
  });
});

describe('erase: partial runs, other identities, stored state', () => {
  it('a source down: exit 3, the others erased; once it is back, a re-run finishes the job', () => {
    const before = snapshot(ws);
    renameSync(join(ws, CONTEST), join(ws, 'contest.away'));
    const r = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--email', ANN, '--apply', '--yes']);
    expect(r.code).toBe(3);
    expect(r.json.format).toBe('privacyctl/receipt@1');
    expect(r.json.sources.find((s) => s.name === 'logo-contest')).toEqual(expect.objectContaining({ status: 'failed', reason: expect.any(String) }));
    expect(r.json.erased.map((e) => e.source).sort()).toEqual(['booth-registrations', 'survey-2024']);
    const v = run(ws, ['verify', '--email', ANN]);
    expect(v.code).toBe(3); // incomplete: a source could not be checked
    expect(v.stdout + v.stderr).toContain('logo-contest');

    renameSync(join(ws, 'contest.away'), join(ws, CONTEST));
    const again = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--email', ANN, '--apply', '--yes']);
    expect(again.code).toBe(0);
    expect(again.json.erased.map((e) => e.source)).toContain('logo-contest');
    expectFiles(expectedAfterErase(before));
    expect(run(ws, ['verify', '--email', ANN]).code).toBe(0);
  });

  it('erasing by GitHub handle (@Ann-Example, any case) redacts the contest row and deletes the survey row', () => {
    const before = snapshot(ws);
    const r = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--github', '@ANN-example', '--apply', '--yes']);
    expect(r.code).toBe(0);
    expect(r.json.erased.map((e) => e.source).sort()).toEqual(['logo-contest', 'survey-2024']);
    const expected = expectedAfterErase(before);
    expected.set(BOOTH, before.get(BOOTH)!); // the booth file has no GitHub column
    expectFiles(expected);
    expect(read(ws, CONTEST).toString()).toContain('104,Ann-Example-Fan,fan@example.com,Ann Fan,+Lantern at dusk,2024-05-03\n');
  });

  it('erasing zoë (NFC on the command line, NFD in the file) deletes exactly her survey row', () => {
    const before = snapshot(ws);
    const survey = before.get(SURVEY)!.toString('utf8');
    const line = survey.split('\r\n').find((l) => l.includes('lindqvist@example.net'))!;
    expect(line).toContain('zoe\u0308.lindqvist'); // the fixture really stores it NFD
    const r = run(ws, ['erase', '--email', 'zo\u00eb.lindqvist@example.net', '--apply', '--yes']);
    expect(r.code).toBe(0);
    const expected = new Map(before);
    expected.set(SURVEY, without(before.get(SURVEY)!, `${line}\r\n`));
    expectFiles(expected);
    expect(run(ws, ['verify', '--email', 'zoe\u0308.lindqvist@example.net']).code).toBe(0);
  });

  it('the state directory never names the person (journals hold locators and salted hashes only)', () => {
    expect(run(ws, ['erase', '--email', ANN, '--github', 'ann-example', '--apply', '--yes']).code).toBe(0);
    const files = listFiles(ws, { includeState: true }).filter((f) => f.startsWith('.privacyctl/'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = read(ws, f).toString('utf8').toLowerCase();
      expect(text).not.toContain(ANN);
      expect(text).not.toContain('ann-example');
    }
  });
});

describe('erase --plan-out / --from-plan', () => {
  it('a reviewed plan is carried out exactly', () => {
    const before = snapshot(ws);
    const p = run(ws, ['erase', '--email', ANN, '--plan-out', 'plan.json']);
    expect(p.code).toBe(0);
    const planFile = join(ws, 'plan.json');
    expect(modeOf(planFile)).toBe(0o600);
    const plan = JSON.parse(readFileSync(planFile, 'utf8'));
    expect(plan.format).toBe('privacyctl/plan@1');
    expectSameFiles(ws, new Map([...before, ['plan.json', readFileSync(planFile)]]));

    const r = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--from-plan', 'plan.json', '--apply', '--yes']);
    expect(r.code).toBe(0);
    expect(r.json.planId).toBe(plan.planId);
    expect(r.json.erased).toHaveLength(3);
    expectFiles(new Map([...expectedAfterErase(before), ['plan.json', readFileSync(planFile)]]));
    expect(run(ws, ['verify', '--email', ANN]).code).toBe(0);
  });

  it('a plan whose source changed since is refused with exit 2, nothing erased', () => {
    expect(run(ws, ['erase', '--email', ANN, '--plan-out', 'plan.json']).code).toBe(0);
    appendFileSync(join(ws, BOOTH), 'Ann;Example;ann@example.org;Lanternfish Labs;L;;2024-10-09\n');
    const before = snapshot(ws);
    const r = run(ws, ['erase', '--from-plan', 'plan.json', '--apply', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('booth-registrations');
    expect(r.stderr).toMatch(/changed/);
    expectSameFiles(ws, before);
    expect(run(ws, ['verify', '--email', ANN]).code).toBe(5);
  });

  it('an edited plan cannot make it erase someone else (joann@ contains the text "ann@example.org")', () => {
    expect(run(ws, ['erase', '--email', ANN, '--plan-out', 'plan.json']).code).toBe(0);
    const plan = JSON.parse(readFileSync(join(ws, 'plan.json'), 'utf8')) as ErasePlanResult;
    // point ann's booth step at joann's row (its digest is the sha256 of the row's bytes)
    const joannRow = 'Joann;Doe;JOANN@example.org;Quayside Systems;L;;2024-10-02';
    const step = plan.steps.find((s) => s.source === 'booth-registrations')!;
    step.params.digest = createHash('sha256').update(joannRow).digest('hex');
    writeFileSync(join(ws, 'plan.json'), JSON.stringify(plan, null, 2));
    const r = run(ws, ['erase', '--from-plan', 'plan.json', '--apply', '--yes']);
    const booth = read(ws, BOOTH).toString('utf8');
    expect(booth).toContain(`${joannRow}\n`); // never another person's row
    if (booth.includes(BOOTH_ROW)) {
      // ann's row is still there: the receipt must not claim it was erased
      expect(r.stdout).not.toMatch(/erased\s+booth-registrations/);
      expect(r.code).not.toBe(0);
    }
  });

  it('an edited plan is refused even when its planId is recomputed: every step must be one the sources plan now', async () => {
    expect(run(ws, ['erase', '--email', ANN, '--plan-out', 'plan.json']).code).toBe(0);
    const plan = JSON.parse(readFileSync(join(ws, 'plan.json'), 'utf8')) as ErasePlanResult;
    const joannRow = 'Joann;Doe;JOANN@example.org;Quayside Systems;L;;2024-10-02';
    plan.steps.find((s) => s.source === 'booth-registrations')!.params.digest = createHash('sha256').update(joannRow).digest('hex');
    // whoever can edit a plan can recompute its id (the id is a checksum, not a signature)
    const { computePlanId } = await import(pathToFileURL(join(ROOT, 'dist', 'core', 'plan.js')).href);
    plan.planId = computePlanId(plan);
    writeFileSync(join(ws, 'plan.json'), JSON.stringify(plan, null, 2));
    const before = snapshot(ws);
    const r = run(ws, ['erase', '--from-plan', 'plan.json', '--apply', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/steps? that the sources do not support/);
    expectSameFiles(ws, before);
  });

  it('--from-plan combined with a subject is a usage error', () => {
    expect(run(ws, ['erase', '--email', ANN, '--plan-out', 'plan.json']).code).toBe(0);
    const before = snapshot(ws);
    const r = run(ws, ['erase', '--from-plan', 'plan.json', '--email', 'bo@lanternfish.example', '--apply', '--yes']);
    expect(r.code).toBe(2);
    expectSameFiles(ws, before);
  });

  it('--from-plan with a missing plan file: exit 2', () => {
    const before = snapshot(ws);
    const r = run(ws, ['erase', '--from-plan', 'nope.json', '--apply', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope.json');
    expectSameFiles(ws, before);
  });
});

describe('init, sources, --version, --help', () => {
  it('init writes a starter config that loads; a second init refuses with exit 2', () => {
    const dir = makeWorkspace({ withFixtures: false });
    const r = run(dir, ['init']);
    expect(r.code).toBe(0);
    const file = join(dir, 'privacyctl.yaml');
    expect(existsSync(file)).toBe(true);
    const text = readFileSync(file);
    const s = run(dir, ['sources']);
    expect(s.code).toBe(0);
    const again = run(dir, ['init']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('privacyctl.yaml');
    expect(readFileSync(file).equals(text)).toBe(true);
  });

  it('init writes an example of every source kind with its Art. 15 facts as editable text; each example, uncommented, loads', () => {
    const dir = makeWorkspace({ withFixtures: false });
    expect(run(dir, ['init']).code).toBe(0);
    const text = readFileSync(join(dir, 'privacyctl.yaml'), 'utf8');
    for (const kind of ['csv', 'git', 'gitdm', 'github', 'mbox', 'slack-export', 'sql', 'analytics']) expect(text).toContain(`#   kind: ${kind}\n`);
    expect(text).toContain('#   transfers: ');
    expect(text).toContain('# supervisoryAuthority:');
    // uncomment the examples: the file loads, and every source states all its facts
    const at = text.indexOf('\nsources:\n');
    const live =
      text.slice(0, at) +
      text
        .slice(at)
        .replace(/^ {2}\[\]$/m, '')
        .replace(/^ {2}# (?=- name:| {2})/gm, '  ');
    writeFileSync(join(dir, 'privacyctl.yaml'), live);
    const s = runJson<SourcesResult>(dir, ['--json', 'sources']);
    expect(s.code).toBe(0);
    expect(s.json.sources).toHaveLength(8);
    for (const src of s.json.sources) expect(src.missingFacts).toEqual([]);
    // the controller facts stay commented out: named on stderr, and in --json
    expect(s.json.missingFacts).toEqual(['supervisoryAuthority', 'automatedDecisions']);
    expect(s.stderr).toContain('controller: Art. 15 facts missing from the config');
  });

  it('init --kinds writes only those kinds; an unknown kind is refused (exit 2) with the known ones', () => {
    const dir = makeWorkspace({ withFixtures: false });
    expect(run(dir, ['init', '--kinds', 'csv,mbox']).code).toBe(0);
    const text = readFileSync(join(dir, 'privacyctl.yaml'), 'utf8');
    expect(text).toContain('#   kind: mbox\n');
    expect(text).not.toContain('kind: git\n');
    const bad = run(dir, ['-c', 'other.yaml', 'init', '--kinds', 'csv,jira']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('jira');
    expect(bad.stderr).toContain('slack-export');
    expect(existsSync(join(dir, 'other.yaml'))).toBe(false);
  });

  it('sources and export name each Art. 15 fact the config leaves out; the reply says "not stated"', () => {
    const dir = makeWorkspace({ withFixtures: true });
    writeFileSync(
      join(dir, 'privacyctl.yaml'),
      `controller: { name: P, contact: p@example.org }\nsources:\n  - { name: survey, kind: csv, path: ${SURVEY}, match: { email: [Email] }, erase: delete-row, purpose: [research] }\n`,
    );
    const s = run(dir, ['sources']);
    expect(s.code).toBe(0);
    expect(s.stderr).toContain(
      'survey: Art. 15 facts missing from the config (the reply says "not stated"): legalBasis, recipients, retention, origin, transfers',
    );
    const e = run(dir, ['export', '--email', ANN, '-f', 'html', '-o', 'reply.html']);
    expect(e.code).toBe(0);
    expect(e.stderr).toContain('survey: Art. 15 facts missing');
    const html = readFileSync(join(dir, 'reply.html'), 'utf8');
    expect(html).toContain('<dt>Legal basis</dt><dd><em>not stated</em></dd>');
    expect(html).not.toContain('your consent (GDPR');
  });

  it('sources lists the demo sources; --check exits 0', () => {
    const s = runJson<SourcesResult>(ws, ['--json', 'sources']);
    expect(s.code).toBe(0);
    expect(s.json.sources.map((x) => x.name)).toEqual(['survey-2024', 'booth-registrations', 'logo-contest']);
    const c = runJson<SourcesResult>(ws, ['--json', 'sources', '--check']);
    expect(c.code).toBe(0);
    for (const x of c.json.sources) expect(x.check!.ok).toBe(true);
    expect(run(ws, ['sources', '--check']).code).toBe(0);
  });

  it('sources --check is non-zero when a file is missing, and names it', () => {
    rmSync(join(ws, SURVEY));
    const r = run(ws, ['sources', '--check']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('contributor-survey-2024.csv');
  });

  it('sources --check catches a mapped column missing from a header', () => {
    writeFileSync(join(ws, 'privacyctl.yaml'), replaced(read(ws, 'privacyctl.yaml'), 'match: { email: [E-Mail] }', 'match: { email: [Mail] }'));
    const r = run(ws, ['sources', '--check']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('Mail');
  });

  it('--version prints the package version', () => {
    const r = run(ws, ['--version']);
    expect(r.code).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('--help exits 0 and documents the exit codes', () => {
    const r = run(ws, ['--help']);
    expect(r.code).toBe(0);
    const help = r.stdout + r.stderr;
    expect(help).toMatch(/exit codes/i);
    for (const code of ['0', '1', '2', '3', '4', '5', '130']) expect(help).toMatch(new RegExp(`^\\s+${code}\\s`, 'm'));
    for (const cmd of ['sources', 'find', 'export', 'erase', 'verify', 'init']) expect(help).toContain(cmd);
  });

  it('a command --help exits 0', () => {
    const r = run(ws, ['erase', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--apply');
  });
});

describe('address spellings in free-text cells', () => {
  const extra = [
    '2024-04-01T08:00:00Z,Ann (ann@example.org),Ann E.,,,Portugal,Meetup,\r\n',
    '2024-04-01T08:01:00Z,"""ann@example.org""",Ann E.,,,Portugal,Meetup,\r\n',
    "2024-04-01T08:02:00Z,'ann@example.org',Ann E.,,,Portugal,Meetup,\r\n",
    '2024-04-01T08:03:00Z,<ann@example.org>,Ann E.,,,Portugal,Meetup,\r\n',
    '2024-04-01T08:04:00Z,Write to ann@example.org.,Ann E.,,,Portugal,Meetup,\r\n',
  ];
  const others = [
    '2024-04-01T09:00:00Z,Jo (joann@example.org),Joann D.,,,Canada,Meetup,\r\n',
    '2024-04-01T09:01:00Z,"""ann@example.org.evil""",Mallory,,,Nowhere,Meetup,\r\n',
  ];
  const idn = [
    '2024-04-02T08:00:00Z,zoe@xn--bcher-kva.example,Zoe B.,,,Germany,Docs,\r\n',
    '2024-04-02T08:01:00Z,Zoe <zoe@BÜCHER.example>,Zoe B.,,,Germany,Docs,\r\n',
  ];

  it('every spelling of the address is erased and verified; near misses and other people stay byte for byte', () => {
    const original = read(ws, SURVEY);
    writeFileSync(join(ws, SURVEY), Buffer.concat([original, Buffer.from([...extra, ...others, ...idn].join(''))]));
    const r = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--email', ANN, '--apply', '--yes']);
    expect(r.code).toBe(0);
    expect(r.json.erased.filter((e) => e.source === 'survey-2024')).toHaveLength(1 + extra.length);
    expect(read(ws, SURVEY).toString('utf8')).toBe(without(original, SURVEY_ROW).toString('utf8') + [...others, ...idn].join(''));
    expect(run(ws, ['verify', '--email', ANN]).code).toBe(0);
  });

  it('an internationalised domain and its punycode form are one address, whichever is given', () => {
    const original = read(ws, SURVEY);
    writeFileSync(join(ws, SURVEY), Buffer.concat([original, Buffer.from([...others, ...idn].join(''))]));
    const plan = runJson<ErasePlanResult>(ws, ['--json', 'erase', '--email', 'zoe@xn--bcher-kva.example']);
    expect(plan.json.steps.filter((s) => s.source === 'survey-2024')).toHaveLength(2);
    const r = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--email', 'Zoe@bücher.example', '--apply', '--yes']);
    expect(r.code).toBe(0);
    expect(read(ws, SURVEY).toString('utf8')).toBe(original.toString('utf8') + others.join(''));
    expect(run(ws, ['verify', '--email', 'zoe@xn--bcher-kva.example']).code).toBe(0);
  });
});
