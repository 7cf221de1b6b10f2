import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { mboxFactory, messageBytes } from '../../src/adapters/mbox/index.js';
import { mboxSourceSchema } from '../../src/adapters/mbox/config.js';
import { messageEnd, splitMbox } from '../../src/adapters/mbox/splitter.js';
import { decodeEncodedWords } from '../../src/adapters/mbox/bytes.js';
import type { AdapterContext, SourceAdapter, StepResult } from '../../src/adapters/types.js';
import { SourceError } from '../../src/core/errors.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { stepsFor } from '../../src/core/plan.js';
import { policyViolation } from '../../src/core/policy.js';
import { isIdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { expectManyMatchesSingle } from '../helpers/many.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIL = path.join(ROOT, 'fixtures', 'demo', 'mail');
const ANN: Identity = { type: 'email', value: 'ann@example.org' };
const email = (value: string): Identity => ({ type: 'email', value });

interface Ctx extends AdapterContext {
  warnings: string[];
}
const ctx = (): Ctx => {
  const warnings: string[] = [];
  return { signal: new AbortController().signal, log: { info() {}, warn: (m) => warnings.push(m) }, stats: {}, warnings };
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-mbox-'));
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

async function discoverAll(a: SourceAdapter, ids: Identity[] = [ANN], c: Ctx = ctx()): Promise<PersonalRecord[]> {
  const records: PersonalRecord[] = [];
  for await (const item of a.discover(new IdentityMatcher(ids), c)) if (!isIdentityLink(item)) records.push(item);
  return records;
}

async function eraseAll(a: SourceAdapter, records: PersonalRecord[], ids: Identity[] = [ANN]): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for await (const r of a.erase!(stepsFor(records), new IdentityMatcher(ids), ctx())) out.push(r);
  return out;
}

/** Every message of a file as raw bytes, by the splitter (with a given read size). */
async function messages(file: string, chunkSize?: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const b of splitMbox(file, { label: file, chunkSize })) {
    for (let i = 0; i < b.starts.length; i++) out.push(Buffer.from(b.buf.subarray(b.starts[i], messageEnd(b, i))));
  }
  return out;
}

async function messageIds(file: string): Promise<string[]> {
  const out: string[] = [];
  for (const m of await messages(file)) out.push((await simpleParser(messageBytes(m))).messageId ?? '');
  return out;
}

const ids = (rs: PersonalRecord[]) => rs.map((r) => `${r.type} ${String(r.data['messageId'])}`).sort();

describe('splitMbox', () => {
  it('finds every message; a "From " body line after a blank line that is no envelope is not a boundary', async () => {
    const file = path.join(dir, 'mail', 'dev-2024.mbox');
    const msgs = await messages(file);
    expect(msgs).toHaveLength(8);
    expect(Buffer.concat(msgs).equals(fs.readFileSync(file))).toBe(true); // the messages tile the file
    expect(msgs[0]!.toString()).toContain('From what I can see');
  });

  it('gives the same messages whatever the read size', async () => {
    const file = path.join(dir, 'mail', 'dev-2024.mbox');
    const whole = await messages(file);
    for (const size of [1, 5, 6, 7, 64, 333]) {
      const parts = await messages(file, size);
      expect(parts.map((p) => p.toString('latin1'))).toEqual(whole.map((p) => p.toString('latin1')));
    }
  });

  it('handles CRLF archives and blank lines at the top', async () => {
    const file = path.join(dir, 'crlf.mbox');
    const text =
      '\r\nFrom a@b.example Mon Jan  1 00:00:00 2024\r\nFrom: a@b.example\r\n\r\nhi\r\n\r\nFrom c@d.example Tue Jan  2 00:00:00 2024\r\nFrom: c@d.example\r\n\r\nyo\r\n';
    fs.writeFileSync(file, text);
    const msgs = await messages(file, 8);
    expect(msgs.map((m) => m.toString().split('\r\n')[0])).toEqual(['From a@b.example Mon Jan  1 00:00:00 2024', 'From c@d.example Tue Jan  2 00:00:00 2024']);
  });
});

describe('decodeEncodedWords', () => {
  it('decodes B and Q words, joins adjacent words, and refuses unknown charsets', () => {
    expect(decodeEncodedWords('=?utf-8?q?Zo=C3=AB_L?= <z@x.example>')).toBe('Zoë L <z@x.example>');
    expect(decodeEncodedWords('=?utf-8?q?ann=40exa?= =?utf-8?q?mple.org?=')).toBe('ann@example.org');
    expect(decodeEncodedWords('=?iso-8859-1?q?Caf=E9?=')).toBe('Café');
    expect(decodeEncodedWords('=?x-unknown-cs?q?abc?=')).toBeNull();
  });
});

describe('MboxAdapter.discover', () => {
  it("finds the subject's posts and the messages addressed to them, across files and encodings", async () => {
    const c = ctx();
    const rs = await discoverAll(adapter(), [ANN], c);
    expect(ids(rs)).toEqual([
      'mail-post <ann-announce-14@example.org>', // pipermail "ann at example.org"
      'mail-post <ann-changelog@example.org>', // "Ann@Example.ORG", base64 body
      'mail-post <ann-reply-1@example.org>', // quoted-printable, mboxrd escapes
      'mail-received <bo-ping@lanternfish.example>', // no body
      'mail-received <dana-cafe@example.com>', // address hidden in an encoded word
      'mail-received <rel14-planning@lanternfish.example>', // Cc
    ]);
    expect(c.stats['messages']).toBe(10);
    expect(c.stats['decoded']).toBe(6); // mailparser read only the candidates (not joann's post)
    expect(c.warnings).toEqual([]);
    for (const r of rs) expect(policyViolation(r)).toBeNull();
  });

  it('decodes bodies: quoted-printable with mboxrd >From unescaping, base64, attachments by name only', async () => {
    const rs = await discoverAll(adapter());
    const reply = rs.find((r) => r.data['messageId'] === '<ann-reply-1@example.org>')!;
    expect(reply.locator).toBe('mail/dev-2024.mbox#<ann-reply-1@example.org>');
    expect(reply.data['body']).toContain('the café demo');
    expect(reply.data['body']).toContain('\nFrom the release notes of 1.3');
    expect(reply.data['body']).toContain('\n>From an older thread');
    expect(reply.data['list']).toBe('Lanternfish developers <dev.lists.lanternfish.example>');
    expect(reply.data['date']).toBe('2024-01-08T10:15:00.000Z');
    expect(reply.data['inReplyTo']).toBe('<rel14-planning@lanternfish.example>');
    expect(reply.matched).toEqual([{ type: 'email', value: 'ann@example.org', field: 'From' }]);
    const draft = rs.find((r) => r.data['messageId'] === '<ann-changelog@example.org>')!;
    expect(draft.data['body']).toBe('Here is the changelog draft for 1.4. Comments welcome!');
    expect(draft.data['attachments']).toEqual([{ filename: 'CHANGELOG-1.4.md', contentType: 'text/markdown', size: 23 }]);
    expect(draft.data['author']).toEqual([{ name: 'Ann Example', address: 'ann@example.org' }]);
  });

  it("exports only the fact of receipt for others' messages: no body, no other person's address", async () => {
    const rs = await discoverAll(adapter());
    for (const r of rs.filter((x) => x.type === 'mail-received')) {
      expect(r.data['body']).toBeUndefined();
      expect(r.data['received']).toBe(true);
      const json = JSON.stringify(r.data);
      for (const other of ['bo@lanternfish', 'dana.ruiz', 'Pong', 'build is green', 'café']) expect(json).not.toContain(other);
    }
    const planning = rs.find((r) => r.data['messageId'] === '<rel14-planning@lanternfish.example>')!;
    expect(planning.data).toEqual({
      date: '2024-01-08T09:00:00.000Z',
      subject: 'Release 1.4 planning',
      messageId: '<rel14-planning@lanternfish.example>',
      list: 'Lanternfish developers <dev.lists.lanternfish.example>',
      received: true,
      as: ['Cc'],
    });
  });

  it('never matches a near miss: joann@ is not ann@, and ann@ in a body is not a match', async () => {
    const rs = await discoverAll(adapter(), [email('joann@example.org')]);
    expect(ids(rs)).toEqual(['mail-post <joann-1@example.org>']);
    const ann = await discoverAll(adapter());
    expect(ids(ann)).not.toContain('mail-post <joann-1@example.org>');
  });

  it("a Sender who transmitted someone else's message is a recipient, not the author", async () => {
    fs.writeFileSync(
      path.join(dir, 'mail', 'sender.mbox'),
      'From bo@lanternfish.example Mon Jan  1 00:00:00 2024\nFrom: Bo <bo@lanternfish.example>\nSender: Ann <ann@example.org>\nMessage-ID: <s@t>\n\nBo wrote this.\n',
    );
    const rs = await discoverAll(adapter({ paths: ['mail/sender.mbox'] }));
    expect(rs.map((r) => [r.type, r.data['as'], r.data['body']])).toEqual([['mail-received', ['Sender'], undefined]]);
  });

  it("a message From the subject and someone else is co-written: handled as received, and redaction keeps the co-author's words", async () => {
    const file = path.join(dir, 'mail', 'co.mbox');
    fs.writeFileSync(
      file,
      'From bo@lanternfish.example Mon Jan  1 00:00:00 2024\nFrom: Bo <bo@lanternfish.example>, Ann <ann@example.org>\nMessage-ID: <co@t>\n\nBo and Ann wrote this together.\n',
    );
    const a = adapter({ paths: ['mail/co.mbox'], erase: 'redact' });
    const rs = await discoverAll(a);
    expect(rs.map((r) => r.type)).toEqual(['mail-received']);
    expect(rs[0]!.data['body']).toBeUndefined();
    await eraseAll(a, rs);
    const after = fs.readFileSync(file, 'utf8');
    expect(after).toContain('Bo and Ann wrote this together.');
    expect(after).toContain('bo@lanternfish.example');
    expect(after).not.toContain('ann@example.org');
  });

  it('retains by default, with the public-forum reason and ground', async () => {
    const rs = await discoverAll(adapter());
    for (const r of rs) {
      expect(r.disposition).toBe('retain');
      expect(r.retention!.ground).toContain('legitimate interest (GDPR Art. 6(1)(f)) in an accurate record of the public forums');
    }
  });

  it('matches an EAI address written in raw UTF-8 with an encoded-word name, and decodes base64 and Latin-1 bodies', async () => {
    const zoe = await discoverAll(adapter(), [email('Zoë.Lindqvist@Example.NET'.normalize('NFC').toLowerCase())]);
    expect(ids(zoe)).toEqual(['mail-post <zoe-1@example.net>']);
    expect(zoe[0]!.data['subject']).toBe('Översättning klar');
    expect(zoe[0]!.data['body']).toContain('översättningen är klar');
    expect(zoe[0]!.data['author']).toEqual([{ name: 'Zoë Lindqvist', address: 'zoë.lindqvist@example.net' }]);
    const dana = await discoverAll(adapter(), [email('dana.ruiz@example.com')]);
    const cafe = dana.find((r) => r.data['messageId'] === '<dana-cafe@example.com>')!;
    expect(cafe.type).toBe('mail-post');
    expect(cafe.data['subject']).toBe('Café meetup in Málaga');
    expect(cafe.data['body']).toContain('the café in Málaga');
  });

  it('reports a truncated last message and still reads it (not fatal)', async () => {
    const file = path.join(dir, 'mail', 'dev-2024.mbox');
    fs.appendFileSync(file, 'From ann@example.org Sat Jan 13 09:00:00 2024\nFrom: Ann Example <ann@example.org>\nMessage-ID: <cut@example.org>\nSubj');
    const c = ctx();
    const rs = await discoverAll(adapter(), [ANN], c);
    expect(ids(rs)).toContain('mail-post <cut@example.org>');
    expect(c.stats['truncated']).toBe(1);
    expect(c.warnings.join('\n')).toMatch(/dev-2024\.mbox: the last message \(at byte \d+\) is truncated/);
    expect(c.warnings.join('\n')).not.toContain('ann@');
  });

  it('fails with a SourceError when no file can be read: a missing file, a glob that matches nothing, only a file that is not an mbox', async () => {
    await expect(discoverAll(adapter({ paths: ['mail/none.mbox'] }))).rejects.toThrow(/none\.mbox: cannot read the archive \(no such file\)/);
    await expect(discoverAll(adapter({ paths: ['nowhere/*.mbox'] }))).rejects.toThrow(SourceError);
    fs.writeFileSync(path.join(dir, 'mail', 'notes.mbox'), 'hello\nFrom a@b Mon Jan  1 00:00:00 2024\n');
    await expect(discoverAll(adapter({ paths: ['mail/notes.mbox'] }))).rejects.toThrow(/notes\.mbox: not an mbox file/);
    expect((await adapter().check(new AbortController().signal)).ok).toBe(false);
  });

  it('one bad file among good ones: the others are read, the bad one is named, and the source is partial', async () => {
    const good = await discoverAll(adapter());
    fs.writeFileSync(path.join(dir, 'mail', 'notes.mbox'), 'hello\nFrom a@b Mon Jan  1 00:00:00 2024\n');
    for (const cfg of [{}, { paths: ['mail/*.mbox', 'mail/gone.mbox'] }]) {
      const partial: string[] = [];
      const c: Ctx = { ...ctx(), partial: (r) => partial.push(r) };
      const rs = await discoverAll(adapter(cfg), [ANN], c);
      expect(ids(rs)).toEqual(ids(good));
      expect(partial.join('\n')).toMatch(/notes\.mbox: not an mbox file/);
      if ('paths' in cfg) expect(partial.join('\n')).toMatch(/gone\.mbox: cannot read the archive \(no such file\)/);
      // discoverMany too
      const many: string[] = [];
      const cm: Ctx = { ...ctx(), partial: (r) => many.push(r) };
      const tagged = [];
      for await (const t of adapter(cfg).discoverMany!([new IdentityMatcher([ANN])], cm)) tagged.push(t);
      expect(tagged).toHaveLength(good.length);
      expect(many.join('\n')).toMatch(/notes\.mbox: not an mbox file/);
    }
  });

  it('a message that cannot be decoded makes the source partial, the rest of its file is still read', async () => {
    const partial: string[] = [];
    const c: Ctx = { ...ctx(), partial: (r) => partial.push(r) };
    const a = adapter();
    const priv = a as unknown as { parse: (x: unknown) => Promise<unknown> };
    const orig = priv.parse.bind(a);
    let n = 0;
    priv.parse = async (x) => {
      if (n++ === 0) throw new SourceError('mail/dev-2024.mbox: cannot decode the message at byte 0: boom');
      return orig(x);
    };
    const all = await discoverAll(adapter());
    const rs = await discoverAll(a, [ANN], c);
    expect(rs.length).toBe(all.length - 1);
    expect(partial.join('\n')).toMatch(/cannot decode the message at byte \d+: boom/);
  });

  it('check() reports the files it can read', async () => {
    const r = await adapter().check(new AbortController().signal);
    expect(r).toEqual({ ok: true, detail: expect.stringMatching(/^2 mbox files, \d+ bytes, readable$/) });
  });

  it('rejects unknown keys and bad erase values in the config', () => {
    expect(mboxSourceSchema.safeParse({ name: 'x', kind: 'mbox', paths: ['a'], path: 'a' }).success).toBe(false);
    expect(mboxSourceSchema.safeParse({ name: 'x', kind: 'mbox', paths: ['a'], erase: 'delete' }).success).toBe(false);
    expect(mboxSourceSchema.safeParse({ name: 'x', kind: 'mbox', paths: [] }).success).toBe(false);
  });
});

describe('the pre-filter is complete', () => {
  // Each case hides ann@example.org differently; a brute-force reader (mailparser on every
  // message) and the adapter must agree on which messages name her.
  const cases: Array<[string, string]> = [
    ['plain', 'To: ann@example.org'],
    ['upper', 'To: ANN@EXAMPLE.ORG'],
    ['folded', 'To: bo@lanternfish.example,\n\t"Ann" <ann@example.org>'],
    ['q-word', 'To: =?utf-8?q?ann=40example=2Eorg?='],
    ['b-word', `Cc: =?utf-8?b?${Buffer.from('Ann <ann@example.org>').toString('base64')}?=`],
    ['split-words', 'To: =?utf-8?q?ann=40exa?=\n =?utf-8?q?mple=2Eorg?='],
    ['reply-to', 'Reply-To: ann@example.org'],
    ['sender', 'Sender: ann@example.org'],
    ['group', 'To: team: ann@example.org, bo@lanternfish.example;'],
    ['near-miss', 'To: joann@example.org, ann@example.org.evil'],
    ['body-only', 'To: bo@lanternfish.example'],
    ['received-only', 'Received: from x by y for <ann@example.org>; Mon, 1 Jan 2024 00:00:00 +0000\nTo: bo@lanternfish.example'],
  ];
  it('agrees with brute force on every case', async () => {
    let text = '';
    cases.forEach(([name, header], i) => {
      text += `From x@lanternfish.example Mon Jan  1 00:00:${String(i).padStart(2, '0')} 2024\nFrom: X <x@lanternfish.example>\n${header}\nSubject: ${name}\nMessage-ID: <${name}@t>\n\nann@example.org in a body\n\n`;
    });
    fs.writeFileSync(path.join(dir, 'mail', 'cases.mbox'), text);
    const found = (await discoverAll(adapter({ paths: ['mail/cases.mbox'] }))).map((r) => String(r.data['subject'])).sort();
    const brute: string[] = [];
    const m = new IdentityMatcher([ANN]);
    for (const raw of await messages(path.join(dir, 'mail', 'cases.mbox'))) {
      const p = await simpleParser(messageBytes(raw));
      const all = [p.from, p.headers.get('sender'), p.replyTo, p.to, p.cc].flatMap((o) => (o ? (Array.isArray(o) ? o : [o]) : [])) as Array<{
        value: Array<{ address?: string; name: string; group?: Array<{ address?: string; name: string }> }>;
      }>;
      const boxes = all.flatMap((o) => o.value.flatMap((a) => (a.group ? a.group : [a])));
      if (boxes.some((a) => (a.address ? m.matchCell('email', a.address) : m.matchCell('email', a.name)) !== null)) brute.push(p.subject!);
    }
    expect(found).toEqual(brute.sort());
    expect(found).toEqual(['b-word', 'folded', 'group', 'plain', 'q-word', 'reply-to', 'sender', 'split-words', 'upper']);
  });

  it("finds pipermail's `ann at example.org` folded at either space, whatever else the headers hold", async () => {
    let text = '';
    const forms = ['ann at\n example.org', 'ann\n at example.org', 'ann at example.org'];
    const subjects = ['plain', '=?utf-8?q?caf=C3=A9?='];
    let i = 0;
    for (const form of forms) {
      for (const subject of subjects) {
        text += `From x@lanternfish.example Mon Jan  1 00:00:${String(i).padStart(2, '0')} 2024\nFrom: X <x@lanternfish.example>\nCc: ${form} (Ann Example)\nSubject: ${subject}\nMessage-ID: <p${i}@t>\n\nHi.\n\n`;
        i++;
      }
    }
    fs.writeFileSync(path.join(dir, 'mail', 'pipermail.mbox'), text);
    const a = adapter({ paths: ['mail/pipermail.mbox'] });
    const found = (await discoverAll(a)).map((r) => String(r.data['messageId'])).sort();
    expect(found).toEqual(Array.from({ length: i }, (_, k) => `<p${k}@t>`).sort());
    // and discoverMany, for her and another subject, as discover
    const [many] = await expectManyMatchesSingle(a, [new IdentityMatcher([ANN]), new IdentityMatcher([{ type: 'email', value: 'x@lanternfish.example' }])]);
    expect(many).toHaveLength(i);
  });
});

describe('MboxAdapter.erase (erase: redact)', () => {
  it("turns the subject's posts into tombstones, removes them from others' headers, and leaves every other message byte-identical", async () => {
    const file = path.join(dir, 'mail', 'dev-2024.mbox');
    const before = await messages(file);
    const beforeIds = await messageIds(file);
    const a = adapter({ erase: 'redact' });
    const rs = await discoverAll(a);
    expect(rs.every((r) => r.disposition === 'erase')).toBe(true);
    expect(rs.filter((r) => r.type === 'mail-post').every((r) => r.action === 'redact-message')).toBe(true);
    expect(rs.filter((r) => r.type === 'mail-received').every((r) => r.action === 'redact-recipient')).toBe(true);
    const results = await eraseAll(a, rs);
    expect(results.map((r) => r.status)).toEqual(rs.map(() => 'done'));

    const after = await messages(file);
    expect(after).toHaveLength(before.length); // still a valid mbox with the same messages
    expect(await messageIds(file)).toEqual(beforeIds);
    // joann's message only mentions her address in its body: that address goes, nothing else
    const touched = new Set([
      '<rel14-planning@lanternfish.example>',
      '<ann-reply-1@example.org>',
      '<dana-cafe@example.com>',
      '<ann-changelog@example.org>',
      '<bo-ping@lanternfish.example>',
      '<joann-1@example.org>',
    ]);
    beforeIds.forEach((id, i) => {
      if (!touched.has(id)) expect(after[i]!.equals(before[i]!)).toBe(true);
      else expect(after[i]!.equals(before[i]!)).toBe(false);
    });
    const joann = beforeIds.indexOf('<joann-1@example.org>');
    expect(after[joann]!.toString('latin1')).toBe(
      before[joann]!.toString('latin1').replace('help ann@example.org with', 'help redacted@redacted.invalid with'),
    );
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('Ann Example');
    expect(text).not.toContain('changelog draft');
    expect(text).not.toContain('Example, Ann');
    expect(text).toContain('From redacted@redacted.invalid Mon Jan  8 10:15:00 2024\n');
    // the other recipients and the body of Bo's message are kept
    const planning = after[beforeIds.indexOf('<rel14-planning@lanternfish.example>')]!.toString();
    expect(planning).toContain('Cc: "[redacted]" <redacted@redacted.invalid>, Dana Ruiz <dana.ruiz@example.com>');
    expect(planning).toContain('From what I can see, the build is green since Friday.');
    // the tombstone keeps the thread headers
    const reply = await simpleParser(messageBytes(after[beforeIds.indexOf('<ann-reply-1@example.org>')]!));
    expect(reply.inReplyTo).toBe('<rel14-planning@lanternfish.example>');
    expect(reply.from!.value[0]!.address).toBe('redacted@redacted.invalid');

    // the pipermail file: the post is a tombstone, Bo's message unchanged
    const announce = fs.readFileSync(path.join(dir, 'mail', 'announce-2024.mbox'), 'utf8');
    expect(announce).not.toContain('ann at example.org');
    expect(announce).toContain('From bo at lanternfish.example  Tue Mar  5 10:00:00 2024\n');

    // nothing left to find; a second run reports every step gone
    expect(await discoverAll(a)).toEqual([]);
    expect((await eraseAll(a, rs)).map((r) => r.status)).toEqual(rs.map(() => 'gone'));
  });

  it('a file that can no longer be read fails its own steps, naming it; the other files are still erased', async () => {
    const a = adapter({ erase: 'redact' });
    const rs = await discoverAll(a);
    fs.writeFileSync(path.join(dir, 'mail', 'announce-2024.mbox'), 'not an archive any more\n');
    const results = await eraseAll(a, rs);
    rs.forEach((r, i) => {
      const res = results.find((x) => x.stepId === stepsFor(rs)[i]!.id)!;
      if (r.locator.startsWith('mail/announce'))
        expect(res).toMatchObject({ status: 'failed', detail: expect.stringMatching(/announce-2024\.mbox: not an mbox file/) });
      else expect(res.status).toBe('done');
    });
    expect(fs.readFileSync(path.join(dir, 'mail', 'dev-2024.mbox'), 'utf8')).not.toContain('changelog draft');
  });

  it("removes every copy of the address: trace, resent, follow-up and thread headers, others' bodies (their words kept), envelope senders not theirs kept", async () => {
    const file = path.join(dir, 'mail', 'git-send-email.mbox');
    fs.copyFileSync(path.join(ROOT, 'fixtures', 'mbox', 'git-send-email.mbox'), file);
    const before = await messages(file);
    const a = adapter({ erase: 'redact', paths: ['mail/git-send-email.mbox'] });
    const rs = await discoverAll(a);
    expect(ids(rs)).toEqual([
      'mail-post <20240101120000.4711-1-ann@example.org>',
      'mail-post <20240101120000.4711-2-ann@example.org>',
      'mail-received <bo-review-1@lanternfish.example>',
    ]);
    const results = await eraseAll(a, rs);
    expect(results.map((r) => r.status)).toEqual(rs.map(() => 'done'));
    const text = fs.readFileSync(file, 'latin1');
    // every spelling of the address (any case, pipermail's, inside a Message-ID) is gone; near misses stay
    const addr = /(?<![A-Za-z0-9._%+-])ann(@| at )example\.org|\d-ann@example\.org/gi;
    expect(text.match(addr)).toBeNull();
    expect(text).toContain('joann@example.org, not to jo-ann@example.org.');
    const after = await messages(file);
    expect(after).toHaveLength(before.length);
    // a tombstone keeps an envelope sender that is not the subject's
    expect(after[0]!.toString('latin1')).toMatch(/^From redacted@redacted\.invalid Mon Jan {2}1 12:00:00 2024\n/);
    expect(after[1]!.toString('latin1')).toMatch(/^From MAILER-DAEMON Mon Jan {2}1 12:00:01 2024\n/);
    // others' bodies: byte-identical but for the address itself
    const bodyOf = (m: Buffer) => m.toString('latin1').slice(m.toString('latin1').indexOf('\n\n'));
    const bodyAddr = /(?<![A-Za-z0-9._%+-])ann@example\.org(?![A-Za-z0-9-]|\.[A-Za-z0-9])/gi;
    for (const i of [2, 3, 4]) expect(bodyOf(after[i]!)).toBe(bodyOf(before[i]!).replace(bodyAddr, 'redacted@redacted.invalid'));
    expect(bodyOf(after[2]!)).toContain('Ann Example <redacted@redacted.invalid> wrote:');
    // threads still link: each In-Reply-To and Reference names the same message as before
    const parsed = async (ms: Buffer[]) => Promise.all(ms.map((m) => simpleParser(messageBytes(m))));
    const [pb, pa] = [await parsed(before), await parsed(after)];
    const idx = (list: typeof pb, id: string | undefined) => list.findIndex((m) => m.messageId === id);
    expect(new Set(pa.map((m) => m.messageId)).size).toBe(pa.length);
    pb.forEach((m, i) => {
      if (m.inReplyTo) expect(idx(pa, pa[i]!.inReplyTo)).toBe(idx(pb, m.inReplyTo));
      const refs = (x: string | string[] | undefined) => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
      expect(refs(pa[i]!.references).map((r) => idx(pa, r))).toEqual(refs(m.references).map((r) => idx(pb, r)));
    });
    // others' headers keep the other people
    expect(after[2]!.toString('latin1')).toContain('Mail-Followup-To: dev@lists.lanternfish.example, "[redacted]" <redacted@redacted.invalid>');
    expect(after[2]!.toString('latin1')).toContain('From: Bo Lindgren <bo@lanternfish.example>');
    // nothing to find, a second run changes nothing
    expect(await discoverAll(a)).toEqual([]);
    const again = fs.readFileSync(file);
    expect((await eraseAll(a, rs)).map((r) => r.status)).toEqual(rs.map(() => 'gone'));
    expect(fs.readFileSync(file).equals(again)).toBe(true);
  });

  it('leaves the files alone when nothing matches any more', async () => {
    const a = adapter({ erase: 'redact' });
    const rs = await discoverAll(a);
    await eraseAll(a, rs);
    const st = fs.statSync(path.join(dir, 'mail', 'dev-2024.mbox'));
    await eraseAll(a, rs);
    expect(fs.statSync(path.join(dir, 'mail', 'dev-2024.mbox')).mtimeMs).toBe(st.mtimeMs);
    expect(fs.readdirSync(path.join(dir, 'mail')).sort()).toEqual(['announce-2024.mbox', 'dev-2024.mbox']);
  });
});

describe('AddressScrubber', () => {
  it('takes out every spelling the matcher knows (UTF-8 and punycode domain, any case, pipermail) and nothing near it', async () => {
    const { AddressScrubber } = await import('../../src/adapters/mbox/redact.js');
    const { subjectNeedles } = await import('../../src/adapters/mbox/needles.js');
    const subject = new IdentityMatcher([email('ann@bücher.example')]);
    const s = new AddressScrubber(subject, subjectNeedles(subject));
    const latin1 = (t: string) => Buffer.from(t, 'utf8').toString('latin1');
    const body = latin1('ann@bücher.example, ANN@XN--BCHER-KVA.EXAMPLE, ann at xn--bcher-kva.example; jo-ann@bücher.example, ann@bücher.example.evil\n');
    expect(Buffer.from(s.text(body), 'latin1').toString('utf8')).toBe(
      'redacted@redacted.invalid, redacted@redacted.invalid, redacted at redacted.invalid; jo-ann@bücher.example, ann@bücher.example.evil\n',
    );
    expect(s.ids('References: <1-ann@xn--bcher-kva.example> <x.joann@xn--bcher-kva.example>')).toBe(
      'References: <1-redacted@redacted.invalid> <x.joann@xn--bcher-kva.example>',
    );
  });
});
