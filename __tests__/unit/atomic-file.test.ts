// atomicRewrite: what a rewrite does when the file is a link, read-only, rewritten by someone else
// meanwhile, or appended to before and after the rename.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { atomicRewrite, type AtomicWriter, type RewriteInput } from '../../src/core/atomic-file.js';
import { SourceError } from '../../src/core/errors.js';

let dir: string;
let file: string;
const LONG_AGO = new Date(Date.now() - 3_600_000);
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-atomic-'));
  file = path.join(dir, 'people.txt');
  fs.writeFileSync(file, 'ann\nbob\ncarol\n');
  fs.utimesSync(file, LONG_AGO, LONG_AGO); // written long before the rewrite, as data files are
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A producer that drops `who`'s line; `during` runs once the input is read, on each try. */
function dropLine(who: string, during: (attempt: number) => unknown = () => {}) {
  let attempt = 0;
  const produce = async (out: AtomicWriter, input: RewriteInput) => {
    const text = (await input.read()).toString();
    during(++attempt);
    await out.write(text.replace(`${who}\n`, ''));
    return text.includes(`${who}\n`);
  };
  return { produce, tries: () => attempt };
}

const read = (p = file) => fs.readFileSync(p, 'utf8');

/** Replace the file as an editor saving it does: a new file renamed over it. */
function replaceWith(text: string): void {
  fs.writeFileSync(`${file}.new`, text);
  fs.renameSync(`${file}.new`, file);
}

describe('atomicRewrite', () => {
  it('rewrites the file a symbolic link points to, in its own directory; the link stays a link', async () => {
    const linkDir = fs.mkdtempSync(path.join(dir, 'links-'));
    const link = path.join(linkDir, 'people.txt');
    fs.symlinkSync(path.relative(linkDir, file), link);
    expect(await atomicRewrite(link, dropLine('bob').produce)).toBe(true);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(read()).toBe('ann\ncarol\n');
    expect(fs.readdirSync(linkDir)).toEqual(['people.txt']);
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(linkDir), 'people.txt'].sort()); // no temporary file, no lock left
  });

  it('refuses a read-only (0444) file with a SourceError that says so, unless rewriteReadOnly is set', async () => {
    fs.chmodSync(file, 0o444);
    const err = await atomicRewrite(file, dropLine('bob').produce, { label: 'people.txt' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/^people\.txt: the file is read-only \(mode 0444\).*rewriteReadOnly/);
    expect(read()).toBe('ann\nbob\ncarol\n');

    expect(await atomicRewrite(file, dropLine('bob').produce, { rewriteReadOnly: true })).toBe(true);
    expect(read()).toBe('ann\ncarol\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o444);
  });

  // What happens meanwhile (once the first try has read the file), the tries taken, the file after.
  it.each([
    [
      'replaced (an editor saving it): the rewrite starts again on the new content',
      (n: number) => n === 1 && replaceWith('ann\nbob\ncarol\ndave\n'),
      2,
      'ann\ncarol\ndave\n',
    ],
    ['edited in place, same length: started again', (n: number) => n === 1 && fs.writeFileSync(file, 'ann\nbob\nCAROL\n', { flag: 'r+' }), 2, 'ann\nCAROL\n'],
    ['appended to: the rows appended are carried over, not lost', () => fs.appendFileSync(file, 'erin\n'), 1, 'ann\ncarol\nerin\n'],
    [
      'edited and made longer: not taken for an append, started again',
      (n: number) => n === 1 && fs.writeFileSync(file, 'ann\nbob\nCAROL\nerin\n', { flag: 'r+' }),
      2,
      'ann\nCAROL\nerin\n',
    ],
  ])('a file %s', async (_what, during, tries, after) => {
    const rewrite = dropLine('bob', during);
    expect(await atomicRewrite(file, rewrite.produce)).toBe(true);
    expect(rewrite.tries()).toBe(tries);
    expect(read()).toBe(after);
  });

  it('a file that keeps changing: fails loudly after its tries, and the file is as its last writer left it', async () => {
    const { produce, tries } = dropLine('bob', (n) => replaceWith(`ann\nbob\nversion ${n}\n`));
    const err = await atomicRewrite(file, produce, { label: 'people.txt' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/^people\.txt: the file kept changing/);
    expect(tries()).toBe(5);
    expect(read()).toBe('ann\nbob\nversion 5\n');
    expect(fs.readdirSync(dir)).toEqual(['people.txt']);
  });

  it('a writer that opened the file before the rename and writes after it: its line is carried over', async () => {
    const ino = fs.statSync(file).ino;
    const early = fs.openSync(file, 'a'); // an application's open file
    fs.appendFileSync(file, 'frank\n'); // written just now: a writer is at work
    let wrote = false;
    const afterRename = setInterval(() => {
      if (wrote || fs.statSync(file).ino === ino) return;
      fs.writeSync(early, 'late\n'); // to the old file, after it was replaced
      wrote = true;
    }, 1);
    try {
      expect(await atomicRewrite(file, dropLine('bob').produce)).toBe(true);
    } finally {
      clearInterval(afterRename);
      fs.closeSync(early);
    }
    expect(wrote).toBe(true);
    expect(read()).toBe('ann\ncarol\nfrank\nlate\n');
  });

  it('two rewrites of one file at once take turns: both changes are kept', async () => {
    const [a, b] = await Promise.all([atomicRewrite(file, dropLine('ann').produce), atomicRewrite(file, dropLine('carol').produce)]);
    expect([a, b]).toEqual([true, true]);
    expect(read()).toBe('bob\n');
    expect(fs.readdirSync(dir)).toEqual(['people.txt']);
  });
});
