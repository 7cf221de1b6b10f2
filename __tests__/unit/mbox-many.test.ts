// MboxAdapter.discoverMany: one pass for many subjects gives each subject exactly what discover
// gives it alone (records, roles, locators), and decodes each candidate message once.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { mboxFactory } from '../../src/adapters/mbox/index.js';
import { mboxSourceSchema } from '../../src/adapters/mbox/config.js';
import type { AdapterContext, SourceAdapter } from '../../src/adapters/types.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { isIdentityLink, type IdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { expectManyMatchesSingle, testContext } from '../helpers/many.js';
import { prng } from '../helpers/prng.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIL = path.join(ROOT, 'fixtures', 'demo', 'mail');
const email = (value: string): Identity => ({ type: 'email', value });
const subject = (...emails: string[]) => new IdentityMatcher(emails.map(email));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-mbox-many-'));
  fs.mkdirSync(path.join(dir, 'mail'));
  for (const f of fs.readdirSync(MAIL)) fs.copyFileSync(path.join(MAIL, f), path.join(dir, 'mail', f));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function adapter(cfg: Record<string, unknown> = {}): SourceAdapter {
  const parsed = mboxSourceSchema.parse({ name: 'dev-list', kind: 'mbox', paths: ['mail/*.mbox'], ...cfg });
  return mboxFactory.create(parsed, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
}

/** "type messageId" of a subject's records, sorted. */
const kinds = (items: Array<PersonalRecord | IdentityLink>) =>
  items
    .filter((x): x is PersonalRecord => !isIdentityLink(x))
    .map((r) => `${r.type} ${String(r.data['messageId'])}`)
    .sort();

async function runMany(a: SourceAdapter, subjects: IdentityMatcher[], ctx: AdapterContext = testContext()) {
  const out: Array<Array<PersonalRecord | IdentityLink>> = subjects.map(() => []);
  for await (const t of a.discoverMany!(subjects, ctx)) out[t.subject]!.push(t.item);
  return out;
}

async function decodedBySingleRuns(a: SourceAdapter, subjects: IdentityMatcher[]): Promise<number> {
  let n = 0;
  for (const s of subjects) {
    const ctx = testContext();
    for await (const _ of a.discover(s, ctx)) void _;
    n += ctx.stats['decoded'] ?? 0;
  }
  return n;
}

// Messages that put several subjects in one message, hide them in encoded words, in pipermail's
// form (folded, too), behind a Kelvin sign, in Latin-1 and CRLF files, and reuse a Message-ID.
const EXTRA: Record<string, string | Buffer> = {
  'co.mbox': [
    'From bo@lanternfish.example Mon Jan  1 00:00:00 2024',
    'From: Bo <bo@lanternfish.example>, Ann <ann@example.org>',
    'To: dev@lists.lanternfish.example',
    'Message-ID: <co@t>',
    '',
    'Bo and Ann wrote this together.',
    '',
    'From ann@example.org Mon Jan  1 01:00:00 2024',
    'From: Ann <ANN@example.org>',
    'Cc: Bo <bo@users.example>, Jo <joann@example.org>',
    'Message-ID: <dup@t>',
    '',
    'First message with this id.',
    '',
    'From bo at lanternfish.example  Mon Jan  1 02:00:00 2024',
    'From: bo at lanternfish.example (Bo)',
    'To: ann@work.example',
    'Message-ID: <dup@t>',
    '',
    'Second message with the same id (pipermail sender).',
    '',
    'From x@lanternfish.example Mon Jan  1 03:00:00 2024',
    'From: X <x@lanternfish.example>',
    'To: =?utf-8?q?eve.hidden=40example=2Eorg?=',
    `Cc: =?utf-8?b?${Buffer.from('Dana <dana.ruiz@example.com>').toString('base64')}?=`,
    'Subject: =?utf-8?q?hidden_in_encoded_words?=',
    'Message-ID: <hidden@t>',
    '',
    'eve.hidden@example.org is only in encoded words (and in this body).',
    '',
    'From x@lanternfish.example Mon Jan  1 04:00:00 2024',
    'From: X <x@lanternfish.example>',
    'Sender: Dana <dana.ruiz@example.com>',
    'Reply-To: Ann <ann@example.org>',
    'Received: from a by b for <joann@example.org>; Mon, 1 Jan 2024 04:00:00 +0000',
    'Message-ID: <sender@t>',
    '',
    'Sent by Dana for X; replies to Ann. Jo only in a trace header.',
    '',
    'From x@lanternfish.example Mon Jan  1 05:00:00 2024',
    'From: X <x@lanternfish.example>',
    'To: "\u212aim" <\u212aim@example.org>, xann@example.org, ann@example.org.evil',
    'Message-ID: <kelvin@t>',
    '',
    'Kim behind a Kelvin sign; two near misses for Ann.',
    '',
    'From roberta.long at example.com  Mon Jan  1 06:00:00 2024',
    'From: roberta.long at',
    ' example.com (Roberta)',
    'Message-ID: <folded-long@t>',
    '',
    'Pipermail form folded after "at" (a local part long enough to be searched alone).',
    '',
    'From x@lanternfish.example Mon Jan  1 07:00:00 2024',
    'From: bob at',
    '\texample.com (Bob)',
    'Message-ID: <folded-short@t>',
    '',
    'Pipermail form folded, a short local part.',
    '',
    'From x@lanternfish.example Mon Jan  1 08:00:00 2024',
    'From: bob at',
    ' example.com (Bob)',
    'X-Note: seen at xbob@example.com',
    'Message-ID: <folded-short-2@t>',
    '',
    "The same, with Bob's address inside a longer one elsewhere in the headers.",
    '',
  ].join('\n'),
  'latin1.mbox': Buffer.from(
    [
      'From andre@example.org Tue Jan  2 00:00:00 2024',
      'From: Andr\xe9 Lef\xe8vre <andre@example.org>',
      'To: Zo\xeb <zoe@example.net>, ann@example.org',
      'Subject: caf\xe9',
      'Message-ID: <latin1@t>',
      'Content-Type: text/plain; charset=iso-8859-1',
      '',
      'Un caf\xe9 ?',
      '',
    ].join('\n'),
    'latin1',
  ),
  'crlf.mbox': [
    'From dana.ruiz@example.com Wed Jan  3 00:00:00 2024',
    'From: Dana Ruiz <dana.ruiz@example.com>',
    'To: Ann',
    ' <ann@example.org>',
    'Message-ID: <crlf@t>',
    '',
    'CRLF line ends.',
    '',
  ].join('\r\n'),
};

// Addresses at the edges of what the stage-2 test accepts: after a quote or a "!", before a final
// dot or a "..": discover decodes these messages (and finds no match in them), so must discoverMany.
EXTRA['edges.mbox'] = [
  ["'ann@example.org'", 'quote'],
  ['x!ann@example.org', 'bang'],
  ['ann@example.org.', 'final-dot'],
  ['ann@example.org..x', 'dots'],
  ['ann@example.org-x', 'hyphen'],
  ['ann  at  example.org', 'spaced-pipermail'],
  ['bo at\n example.com', 'folded-pipermail'],
]
  .map(
    ([to, id], i) => `From x@lanternfish.example Thu Jan  4 00:00:0${i} 2024\nFrom: X <x@lanternfish.example>\nTo: ${to}\nMessage-ID: <${id}@t>\n\nEdge.\n\n`,
  )
  .join('');

function writeExtra() {
  for (const [name, text] of Object.entries(EXTRA)) fs.writeFileSync(path.join(dir, 'mail', name), text);
}

describe('MboxAdapter.discoverMany', () => {
  it('gives each of several subjects exactly what discover gives it: one message, several subjects, several roles', async () => {
    writeExtra();
    const a = adapter();
    const ann = subject('ann@example.org', 'ann@work.example'); // several emails
    const bo = subject('bo@lanternfish.example', 'bo@users.example'); // several emails, pipermail
    const dana = subject('dana.ruiz@example.com');
    const eve = subject('eve.hidden@example.org'); // only in encoded words
    const nobody = subject('nobody@example.org'); // in no message
    const zoe = subject('zoë.lindqvist@example.net'); // EAI, raw UTF-8
    const many = await expectManyMatchesSingle(a, [ann, bo, dana, eve, nobody, zoe]);
    const [annR, boR, danaR, eveR, nobodyR, zoeR] = many.map(kinds);
    // From Bo, Cc Ann and Dana: Bo's post, received by both
    expect(boR).toContain('mail-post <rel14-planning@lanternfish.example>');
    expect(annR).toContain('mail-received <rel14-planning@lanternfish.example>');
    expect(danaR).toContain('mail-received <rel14-planning@lanternfish.example>');
    // co-written by Bo and Ann: received for both
    expect(annR).toContain('mail-received <co@t>');
    expect(boR).toContain('mail-received <co@t>');
    // From Ann, Cc Bo: her post, his receipt
    expect(annR).toContain('mail-post <dup@t>');
    expect(boR).toContain('mail-received <dup@t>');
    expect(boR).toContain('mail-post <dup@t>'); // the second <dup@t>, his (pipermail) post
    expect(eveR).toEqual(['mail-received <hidden@t>']);
    expect(danaR).toEqual(expect.arrayContaining(['mail-received <hidden@t>', 'mail-received <sender@t>', 'mail-post <crlf@t>']));
    expect(annR).toEqual(
      expect.arrayContaining(['mail-received <sender@t>', 'mail-received <crlf@t>', 'mail-received <latin1@t>', 'mail-received <dana-cafe@example.com>']),
    );
    expect(annR).not.toContain('mail-received <kelvin@t>');
    expect(nobodyR).toEqual([]);
    expect(zoeR).toEqual(['mail-post <zoe-1@example.net>']);
    // a Message-ID seen twice in a file: the second record's locator carries its offset, per subject
    const annDup = many[0]!.filter((r) => !isIdentityLink(r) && r.data['messageId'] === '<dup@t>') as PersonalRecord[];
    expect(annDup.map((r) => r.locator)).toEqual([expect.stringMatching(/^mail\/co\.mbox#<dup@t>$/), expect.stringMatching(/^mail\/co\.mbox#<dup@t>@\d+$/)]);
    const boDup = (many[1]! as PersonalRecord[]).filter((r) => r.data['messageId'] === '<dup@t>').map((r) => r.locator);
    expect(boDup).toEqual([expect.stringMatching(/#<dup@t>$/), expect.stringMatching(/#<dup@t>@\d+$/)]);
  });

  it('agrees with discover on Kelvin signs, folded pipermail forms, near misses and trace headers', async () => {
    writeExtra();
    const a = adapter({ erase: 'redact' });
    const subjects = [
      subject('kim@example.org'),
      subject('roberta.long@example.com'),
      subject('bob@example.com'),
      subject('joann@example.org', 'andre@example.org'),
      new IdentityMatcher([{ type: 'github', value: 'octocat' }]), // no email: nothing here
    ];
    const many = (await expectManyMatchesSingle(a, subjects)).map(kinds);
    expect(many[0]).toEqual(['mail-received <kelvin@t>']);
    expect(many[1]).toEqual(['mail-post <folded-long@t>']);
    expect(many[3]).toEqual(['mail-post <joann-1@example.org>', 'mail-post <latin1@t>', 'mail-received <dup@t>']);
    expect(many[4]).toEqual([]);
    // Bob's pipermail form folded, with a local part too short to be searched alone: discover's
    // pre-filter finds it by one of its halves (`bob at`, `at example.com`), with or without his
    // address elsewhere in the headers; discoverMany's lookup too, held to discover's patterns.
    expect(many[2]).toEqual(['mail-post <folded-short-2@t>', 'mail-post <folded-short@t>']);
  });

  it('counts each decoded message once, however many subjects it names', async () => {
    writeExtra();
    const a = adapter();
    const subjects = [subject('ann@example.org'), subject('bo@lanternfish.example', 'bo@users.example'), subject('dana.ruiz@example.com')];
    const ctx = testContext();
    await runMany(a, subjects, ctx);
    const sum = await decodedBySingleRuns(a, subjects);
    expect(ctx.stats['files']).toBe(6);
    expect(ctx.stats['messages']).toBe(10 + 9 + 7 + 1 + 1);
    // the demo's rel14-planning, ann-reply-1, dana-cafe, ann-changelog, bo-ping, dana-2 and two
    // announcements; co, dup ×2, hidden, sender, latin1, crlf, and four edges (Ann's near misses
    // that discover decodes too): once each, where single runs decode rel14-planning three times
    // (and dana-cafe, bo-ping, co, the first dup, sender, crlf twice)
    expect(ctx.stats['decoded']).toBe(19);
    expect(sum).toBe(19 + 2 + 6);
  });

  it('decodes, for each subject alone, exactly the messages discover decodes', async () => {
    writeExtra();
    const a = adapter();
    for (const s of [
      subject('ann@example.org'),
      subject('bo@example.com', 'bo@lanternfish.example'),
      subject('kim@example.org'),
      subject('zoë.lindqvist@example.net'),
      subject('bob@example.com'),
    ]) {
      const single = testContext();
      for await (const _ of a.discover(s, single)) void _;
      const many = testContext();
      await runMany(a, [s], many);
      expect(many.stats).toEqual(single.stats);
    }
  });

  it('matches discover on the demo archive of the demo config (source dev-list)', async () => {
    const config = parseYaml(fs.readFileSync(path.join(ROOT, 'privacyctl.yaml'), 'utf8')) as { sources: Array<Record<string, unknown>> };
    const source = config.sources.find((s) => s['name'] === 'dev-list')!;
    const a = mboxFactory.create(mboxSourceSchema.parse(source), { configDir: ROOT, stateDir: path.join(dir, '.privacyctl') });
    const subjects = [
      subject('ann@example.org'),
      subject('bo@lanternfish.example', 'bo@elsewhere.example'),
      subject('dana.ruiz@example.com'),
      subject('joann@example.org'),
      subject('zoë.lindqvist@example.net'),
      subject('nobody@example.org'),
    ];
    const many = (await expectManyMatchesSingle(a, subjects)).map(kinds);
    expect(many[0]).toEqual([
      'mail-post <ann-announce-14@example.org>',
      'mail-post <ann-changelog@example.org>',
      'mail-post <ann-reply-1@example.org>',
      'mail-received <bo-ping@lanternfish.example>',
      'mail-received <dana-cafe@example.com>',
      'mail-received <rel14-planning@lanternfish.example>',
    ]);
    expect(many[1]).toEqual([
      'mail-post <bo-announce-141@lanternfish.example>',
      'mail-post <bo-ping@lanternfish.example>',
      'mail-post <rel14-planning@lanternfish.example>',
    ]);
    expect(many[2]).toEqual(['mail-post <dana-2@example.com>', 'mail-post <dana-cafe@example.com>', 'mail-received <rel14-planning@lanternfish.example>']);
    expect(many[5]).toEqual([]);
  });
});

// ---- a generated archive and 100 subjects ----

const mulberry32 = prng;

interface Generated {
  subjects: IdentityMatcher[];
  /** Messages whose address headers name a subject (what a complete pre-filter decodes). */
  naming: number;
  /** Records discover should find per subject. */
  records: number[];
  messages: number;
}

/**
 * 100 subjects (some with two addresses, a short one among them; some EAI; some with a "k"; some
 * with no email) over 1,500 messages: subjects in From, To and Cc, several in one message, in
 * capitals, in pipermail's form, in encoded words, behind a Kelvin sign; and traps that name no
 * subject in an address header (near misses, bodies, trace headers, encoded-word Subjects).
 */
function generate(file: string): Generated {
  const rnd = mulberry32(20240917);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const addresses: string[][] = [];
  for (let i = 0; i < 100; i++) {
    if (i % 10 === 9) addresses.push([]);
    else if (i % 25 === 5) addresses.push([`zoë.${i}@eai.example`]);
    else if (i % 11 === 0) addresses.push([`kai.${i}@example.org`]);
    else if (i % 7 === 3) addresses.push([`person.${i}@example.org`, `p${i}@mail.example`]);
    else addresses.push([`person.${i}@example.org`]);
  }
  const subjects = addresses.map((es, i) => (es.length ? new IdentityMatcher(es.map(email)) : new IdentityMatcher([{ type: 'github', value: `gh-${i}` }])));
  const withEmail = addresses.flatMap((es, i) => (es.length ? [i] : []));
  const ascii = withEmail.filter((i) => /^[\x00-\x7f]*$/.test(addresses[i]![0]!));
  const records = addresses.map(() => 0);
  const parts: Buffer[] = [];
  let naming = 0;
  const n = 1500;
  for (let m = 0; m < n; m++) {
    const named = new Set<number>();
    // (an encoded word only last in its header: mailparser reads "=?…?=, Bo <bo@…>" as one
    // mailbox, bo@…, whose display name holds the decoded text, so discover would not match it)
    const mention = (i: number, how: number, last = true): string => {
      named.add(i);
      const es = addresses[i]!;
      const e = pick(es);
      if (how < 0.15) return e.toUpperCase();
      if (how < 0.25 && last) return `=?utf-8?b?${Buffer.from(`Person ${i} <${e}>`).toString('base64')}?=`;
      if (how < 0.3 && e.includes('k')) return `"Kai" <${e.replace('k', '\u212a')}>`;
      return `Person ${i} <${e}>`;
    };
    const other = () => `user${Math.floor(rnd() * 400)}@lists.example`;
    const r = rnd();
    let fromLine: string;
    let envelope: string;
    if (r < 0.3) {
      const i = pick(withEmail);
      if (rnd() < 0.1 && !addresses[i]![0]!.includes('ë')) {
        envelope = addresses[i]![0]!.replace('@', ' at ') + ' ';
        fromLine = `${envelope.trim()} (Person ${i})`;
        named.add(i);
      } else {
        fromLine = mention(i, rnd());
        envelope = 'sender@lists.example';
      }
    } else {
      envelope = other();
      fromLine = `Someone <${envelope}>`;
    }
    const to: string[] = ['dev@lists.example'];
    const cc: string[] = [];
    const k = rnd();
    if (k < 0.05) cc.push(other(), mention(pick(withEmail), rnd(), false));
    if (k < 0.2) cc.push(mention(pick(withEmail), rnd()));
    if (k > 0.95) to.push(mention(pick(withEmail), rnd()));
    const trap = rnd();
    const some = addresses[pick(ascii)]![0]!; // (an EAI address is searched by its ASCII run: a near miss of it is decoded)
    const extra: string[] = [];
    let body = `Message ${m}.`;
    if (trap < 0.03) cc.unshift(`x${some}`);
    else if (trap < 0.06) cc.unshift(`${some}.evil`);
    else if (trap < 0.09) body += ` Write to ${some}.`;
    else if (trap < 0.12) extra.push(`Received: from a by b for <${some}>; Mon, 1 Jan 2024 00:00:00 +0000`);
    let subjectLine = `Subject: message ${m}`;
    if (rnd() < 0.05) subjectLine = `Subject: =?utf-8?q?message_${m}_=C3=A9?=`;
    const id = m % 50 === 1 ? `<${m - 1}@lists.example>` : `<${m}@lists.example>`; // some ids twice
    const text = [
      `From ${envelope} Mon Jan  1 00:${String(Math.floor(m / 60) % 60).padStart(2, '0')}:${String(m % 60).padStart(2, '0')} 2024`,
      ...extra,
      `From: ${fromLine}`,
      `To: ${to.join(', ')}`,
      ...(cc.length ? [`Cc: ${cc.join(',\n ')}`] : []),
      subjectLine,
      `Message-ID: ${id}`,
      '',
      body,
      '',
      '',
    ].join('\n');
    parts.push(Buffer.from(text, 'utf8'));
    if (named.size > 0) naming++;
    for (const i of named) records[i]!++;
  }
  fs.writeFileSync(file, Buffer.concat(parts));
  return { subjects, naming, records, messages: n };
}

describe('MboxAdapter.discoverMany with 100 subjects', () => {
  it('decodes only the messages that name a subject, once each, and gives every subject what discover gives it', async () => {
    const g = generate(path.join(dir, 'mail', 'generated.mbox'));
    const a = adapter({ paths: ['mail/generated.mbox'] });
    const ctx = testContext();
    const many = await runMany(a, g.subjects, ctx);
    expect(ctx.stats['messages']).toBe(g.messages);
    expect(ctx.stats['decoded']).toBe(g.naming);
    expect(many.map((items) => items.length)).toEqual(g.records);
    expect(g.records.filter((x) => x > 0).length).toBeGreaterThan(80);
    await expectManyMatchesSingle(a, g.subjects);
  });
});
