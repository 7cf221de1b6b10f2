// plainMessage (decode.ts) reads plain messages without mailparser: for every message it
// accepts, what toRecord reads must be what mailparser gives; everything else must be left to
// mailparser. Held to mailparser on the demo archives and on generated messages that vary every
// field it looks at.
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import {
  NEEDS_WORDS,
  messageBytes,
  mimeDetector,
  plainMessage,
  withoutUnusedHeaders,
  wordsDecoder,
  type DecodedMail,
  type Mailboxes,
} from '../../src/adapters/mbox/decode.js';
import { splitMbox } from '../../src/adapters/mbox/splitter.js';
import { prng } from '../helpers/prng.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIL = path.join(ROOT, 'fixtures', 'demo', 'mail');

const flat = (x: Mailboxes | Mailboxes[] | undefined) =>
  x === undefined ? undefined : (Array.isArray(x) ? x : [x]).flatMap((o) => o.value.map((a) => ({ address: a.address, name: a.name, group: a.group })));
const headerValue = (m: DecodedMail, key: string) => {
  const l = m.headerLines.find((h) => h.key === key);
  return l
    ? l.line
        .slice(l.line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim()
    : '';
};
/** What toRecord reads of a decoded message. */
const view = (m: DecodedMail) => ({
  from: flat(m.from),
  sender: flat(m.headers.get('sender') as Mailboxes | undefined),
  replyTo: flat(m.replyTo),
  to: flat(m.to),
  cc: flat(m.cc),
  messageId: m.messageId,
  inReplyTo: m.inReplyTo,
  date: m.date?.toISOString(),
  subject: m.subject ?? '',
  text: (m.text ?? '').trimEnd(),
  attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })),
  listId: headerValue(m, 'list-id'),
});

async function mailparserView(msg: Buffer) {
  return view(await simpleParser(withoutUnusedHeaders(msg), { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, keepCidLinks: true }));
}

async function demoMessages(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const f of fs.readdirSync(MAIL)) {
    for await (const b of splitMbox(path.join(MAIL, f), { label: f })) {
      b.starts.forEach((s, i) => out.push(messageBytes(Buffer.from(b.buf.subarray(s, i + 1 < b.starts.length ? b.starts[i + 1] : b.end)))));
    }
  }
  return out;
}

/** Generated messages: most plain, many with one thing plainMessage must leave to mailparser. */
function generated(n: number): Buffer[] {
  const rnd = prng(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  // each a plain choice or, now and then, one that is not
  const choose = <T>(plain: readonly T[], other: readonly T[], p = 0.03): T => (rnd() < p ? pick(other) : pick(plain));
  // quoted names and encoded-word names are decoded too (as common as plain ones in real archives)
  const namePick = () =>
    choose(
      ['Ann Example', 'Bo', "O'Neil Smith-Jones", 'Dev 2 Team', '"Doe, Jane"', '"J. Doe"', '=?utf-8?q?Ren=C3=A9?=', '=?UTF-8?B?Wm/Dqw==?= =?utf-8?q?_Q?='],
      [
        'Zoë Quarry',
        'J. Doe',
        'Ann  Two',
        'a (comment)',
        '"Ann  Two"',
        '"a\\"b"',
        '=?utf-8?q?a=2C_b?=',
        '=?utf-8?q?=3Cx=40y=3E?=',
        '=?iso-8859-1?q?Ren=E9?=',
        '"=?utf-8?q?x?="',
      ],
      0.15,
    );
  const addrPick = () =>
    choose(
      ['ann@example.org', 'Bo.Stone+list@Lanternfish.example', 'user000123@example.com'],
      ['x@xn--bcher-kva.example', 'ann at example.org', 'odd@', 'q@[192.0.2.1]'],
    );
  // pipermail's `user at domain (Name)` too, and near misses of it
  const pipermail = () =>
    choose(
      ['pia at quarry.example (Pia Marsh)', 'bo at lanternfish.example', "o'neil at x.example (O'Neil J. Smith-Jones)"],
      ['pia at quarry.example (Pia (M) Marsh)', 'pia at quarry (P)', 'pia at quarry.example (Zoë)', 'pia  at quarry.example'],
      0.3,
    );
  const mailbox = () => (rnd() < 0.1 ? pipermail() : rnd() < 0.4 ? addrPick() : `${namePick()} <${addrPick()}>`);
  const list = () => Array.from({ length: 1 + Math.floor(rnd() * 3) }, mailbox).join(rnd() < 0.9 ? ', ' : ',\n\t');
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const h: string[] = [];
    if (rnd() < 0.95) h.push(`From: ${rnd() < 0.8 ? mailbox() : list()}`);
    if (rnd() < 0.7) h.push(`To: ${list()}`);
    if (rnd() < 0.2) h.push(`To: ${list()}`);
    if (rnd() < 0.3) h.push(`Cc: ${list()}`);
    if (rnd() < 0.1) h.push(`Reply-To: ${mailbox()}`);
    if (rnd() < 0.1) h.push(`Sender: ${mailbox()}`);
    if (rnd() < 0.05) h.push(`From: ${mailbox()}`);
    const subjects = ['Release plan', '', 'Re: [dev] kernel  2.0', 'Zoë’s patch', 'long\n subject folded'];
    // encoded words plainMessage decodes (UTF-8, Q or B, joined or not), and ones it leaves alone
    const encoded = [
      '=?utf-8?q?[dev]_caf=C3=A9?=',
      'Re: =?UTF-8?Q?caf=C3=A9?= =?utf-8?q?_na=C3=AFve?= x',
      '=?utf-8?b?Y2Fmw6k=?=',
      '=?utf-8?q?caf=C3?=\n =?utf-8?Q?=A9?=',
      '=?utf-8?q?a?= =?utf-8?B?Yg==?=',
      '=?utf-8?b?Y2Fm?= =?utf-8?b?w6k=?=',
      '=?utf-8?q?x=?=tail',
      '=?utf-8?q?a_=3D_b?=',
      '=?utf-8?q?a= 3Db?=',
    ];
    const odd = ['=?iso-8859-1?q?caf=E9?=', '=?utf-8?q?=FF?=', 'a =? b', '=?utf-8?b?Y2E=?= =?utf-8?b?Zg==?=', '=?utf-8*en?q?x?=', '=?utf-8?b?Y2F?='];
    if (rnd() < 0.9) h.push(`Subject: ${rnd() < 0.3 ? choose(encoded, odd, 0.3) : choose(subjects, odd)}`);
    if (rnd() < 0.9)
      h.push(`Date: ${choose(['Mon, 01 Jan 2024 10:00:00 +0000', 'Tue, 2 Jan 2024 09:30:00 -0500 (EST)', '2024-01-03T04:05:06Z'], ['not a date'])}`);
    if (rnd() < 0.9) h.push(`Message-ID: ${pick([`<${i}@example.org>`, `${i}@example.org`, '', `<${i}@example.org> (c)`])}`);
    if (rnd() < 0.3) h.push(`In-Reply-To: <${i - 1}@example.org>`);
    if (rnd() < 0.5) h.push('List-Id: Lanternfish developers <dev.lists.lanternfish.example>');
    if (rnd() < 0.3) h.push('X-Mailer: a\n\tfolded value');
    if (rnd() < 0.6)
      h.push(
        `Content-Type: ${choose(['text/plain; charset="utf-8"', 'text/plain', 'TEXT/PLAIN; charset=US-ASCII'], ['text/plain; charset=iso-8859-1', 'text/plain; charset=utf-8; format=flowed', 'text/html; charset=utf-8'], 0.1)}`,
      );
    if (rnd() < 0.5)
      h.push(`Content-Transfer-Encoding: ${choose(['7bit', '8bit', '8BIT', 'quoted-printable', 'Quoted-Printable'], ['base64', 'x-uuencode'], 0.1)}`);
    if (rnd() < 0.03) h.push('Content-Disposition: attachment; filename="a.txt"');
    if (rnd() < 0.02) h.push('Broken header line');
    const body = pick([
      'Hello.\nSecond line.\n',
      'Zoë wrote:\n> quoted\n\n-- \nsig\n',
      '',
      'Y2FmZQ==\n',
      'caf=C3=A9\n',
      'a soft=\nbreak and =3D sign=\n',
      'ends with =',
      'bad =ZZ escape =C3\n',
      'spaces at end   \n\ttab=09\n',
      'caf=c3=a9 lower\r\n',
    ]);
    let s = `${h.join('\n')}\n\n${body}`;
    if (rnd() < 0.03) s = s.replace(/\n/g, '\r\n');
    if (rnd() < 0.03) s = h.join('\n'); // no body
    out.push(Buffer.from(s, rnd() < 0.05 ? 'latin1' : 'utf8'));
  }
  return out;
}

/** Multipart messages: the two shapes plainMessage reads, and their near misses that it must leave to mailparser. */
function generatedMultipart(n: number): Buffer[] {
  const rnd = prng(12);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const b64 = (len: number) => {
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = Math.floor(rnd() * 256);
    return b.toString('base64').replace(/(.{76})/g, '$1\n');
  };
  const plain = () =>
    pick([
      'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 7bit\n\nHello.\n> quoted\n',
      'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 soft=\nbreak\n',
      'Content-Type: text/plain\n\nNo encoding header.',
      '\nNo headers at all.\n',
      'Content-Type: text/plain; charset=iso-8859-1\n\ncaf\xe9\n', // (mailparser's)
      'Content-Type: text/plain; format=flowed\n\nflowed \ntext\n', // (mailparser's)
      'Content-Type: text/plain\nContent-Disposition: inline\n\ninline\n', // (mailparser's)
    ]);
  const html = () =>
    pick([
      'Content-Type: text/html; charset="utf-8"\n\n<p>Hello.</p>\n',
      'Content-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n<p>caf=C3=A9</p>\n',
      'Content-Type: image/png\n\nx\n',
    ]);
  const attachment = () =>
    pick([
      `Content-Type: application/octet-stream; name="build.log.gz"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="build.log.gz"\n\n${b64(Math.floor(rnd() * 3000))}\n`,
      `Content-Type: image/png\nContent-Disposition: attachment; filename="shot 1.png"\nContent-Transfer-Encoding: base64\n\n${b64(200)}`,
      `Content-Type: application/pdf\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename*=utf-8''caf%C3%A9.pdf\n\n${b64(10)}\n`, // (mailparser's)
      `Content-Type: text/x-diff\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="a.diff"\n\n${b64(10)}\n`, // (mailparser's)
      `Content-Type: image/png\nContent-Transfer-Encoding: base64\nContent-Disposition: inline; filename="i.png"\nContent-ID: <i@x>\n\n${b64(10)}\n`, // (mailparser's)
    ]);
  const multipart = (subtype: string, parts: string[], b: string, opts: { preamble?: boolean; close?: boolean } = {}) =>
    `Content-Type: multipart/${subtype}; boundary=${rnd() < 0.5 ? `"${b}"` : b}\n\n${opts.preamble ? 'This is a multi-part message in MIME format.\n' : ''}${parts.map((p) => `--${b}\n${p}`).join('\n')}\n${opts.close === false ? '' : `--${b}--\n${rnd() < 0.3 ? 'epilogue\n' : ''}`}`;
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const head = `From: ${pick(['Ann Example <ann@example.org>', '"Doe, Jane" <jane@example.org>'])}\nTo: dev@lists.example.org\nSubject: m${i}\nDate: Mon, 01 Jan 2024 10:00:00 +0000\nMessage-ID: <m${i}@example.org>\nMIME-Version: 1.0\n`;
    const b = pick(['===============1234567890==', 'b1_abc', '----=_Part_1_2.3', 'Apple-Mail=_0A1B']);
    const alt = () => multipart('alternative', rnd() < 0.9 ? [plain(), html()] : pick([[plain()], [html(), plain()], [plain(), html(), html()]]), `${b}alt`);
    const body =
      rnd() < 0.4
        ? multipart('alternative', rnd() < 0.9 ? [plain(), html()] : pick([[plain()], [html(), plain()], [plain(), html(), html()]]), b, {
            preamble: rnd() < 0.3,
            close: rnd() < 0.95,
          })
        : multipart('mixed', [rnd() < 0.5 ? plain() : alt(), ...Array.from({ length: Math.floor(rnd() * 3) }, attachment)], b, {
            preamble: rnd() < 0.3,
            close: rnd() < 0.95,
          });
    out.push(Buffer.from(`${head}${body}`, 'latin1'));
  }
  return out;
}

describe('plainMessage', () => {
  it('reads multipart/alternative text and multipart/mixed text with base64 attachments as mailparser does, and leaves it the rest', async () => {
    const decodeWords = await wordsDecoder();
    let accepted = 0;
    const detect = await mimeDetector();
    const msgs = generatedMultipart(600);
    for (const msg of msgs) {
      const plain = plainMessage(msg, decodeWords, detect);
      if (!plain || plain === NEEDS_WORDS) continue;
      accepted++;
      expect({ msg: msg.toString('latin1'), view: view(plain) }).toEqual({ msg: msg.toString('latin1'), view: await mailparserView(msg) });
    }
    // (most generated ones carry a near miss: about one in six is one of the two plain shapes)
    expect(accepted).toBeGreaterThan(60);
    expect(accepted).toBeLessThan(msgs.length);
  });

  it('gives what mailparser gives for every message it accepts, and accepts the plain ones', async () => {
    const msgs = [...(await demoMessages()), ...generated(1500)];
    const decodeWords = await wordsDecoder();
    let accepted = 0;
    for (const msg of msgs) {
      const plain = plainMessage(msg, decodeWords);
      expect(plain).not.toBe(NEEDS_WORDS);
      if (!plain || plain === NEEDS_WORDS) continue;
      accepted++;
      expect({ msg: msg.toString('latin1'), view: view(plain) }).toEqual({ msg: msg.toString('latin1'), view: await mailparserView(msg) });
    }
    // (the generator makes about half of its messages plain; the demo archives hold some too)
    expect(accepted).toBeGreaterThan(500);
    expect(accepted).toBeLessThan(msgs.length);
  });

  it('leaves to mailparser what it does not decode itself', async () => {
    const decodeWords = await wordsDecoder();
    const plain = (headers: string, body = 'Hi.\n') => plainMessage(Buffer.from(`${headers}\n\n${body}`, 'utf8'), decodeWords);
    const base = 'From: Ann Example <ann@example.org>\nDate: Mon, 01 Jan 2024 10:00:00 +0000';
    expect(plain(base)).not.toBeNull();
    // encoded words in Subject: libmime's decodeWords, given (or asked for)
    expect((plain(`${base}\nSubject: =?iso-8859-1?q?caf=E9?=`) as DecodedMail).subject).toBe('café');
    expect(plainMessage(Buffer.from(`${base}\nSubject: =?utf-8?q?caf=C3=A9?=\n\nHi.\n`))).toBe(NEEDS_WORDS);
    expect(plain(`${base}\nTo: =?utf-8?q?ann=40example.org?=`)).toBeNull(); // an encoded word in an address header
    expect(plain(`${base}\nTo: Ann <=?utf-8?q?ann?=@example.org>`)).toBeNull(); // (in the address itself)
    expect(plain(`${base}\nContent-Type: multipart/mixed; boundary=b`)).toBeNull(); // (no parts)
    expect(plain(`${base}\nContent-Type: multipart/related; boundary=b`, '--b\n\nx\n--b--\n')).toBeNull();
    expect(plain(`${base}\nContent-Transfer-Encoding: base64`)).toBeNull();
    expect(plain(`${base}\nContent-Type: text/plain; charset=iso-8859-1`)).toBeNull();
    expect((plain('From: "Example, Ann" <ann@example.org>') as DecodedMail).from!.value).toEqual([{ address: 'ann@example.org', name: 'Example, Ann' }]); // a quoted name
    expect(plain('From: "Example \\"Ann\\"" <ann@example.org>')).toBeNull(); // a quoted name with escapes
    expect(plain('From: ann@example.org (Ann)')).toBeNull(); // a comment
    expect(plain('From: Ann <ann@xn--bcher-kva.example>')).toBeNull(); // punycode
    expect(plain('From: Ann <ann@example.org>\nDate: yesterday')).toBeNull(); // mailparser dates it now
    expect(plainMessage(Buffer.from('From: Ann <ann@example.org>\r\n\r\nHi.\r\n'))).toBeNull();
    expect(plainMessage(Buffer.from('From: Ann <ann@example.org>\n'))).toBeNull(); // no body
  });
});
