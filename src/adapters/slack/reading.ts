// Reading a Slack export folder: users.json, the conversation metadata files, the day files of
// each conversation folder, and the elements of their JSON arrays. Every failure is a
// SourceError that names the file.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, promises as fsp, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SourceError, errorMessage } from '../../core/errors.js';
import { arrayElements, elementsAround, type ElementRange } from './json-array.js';
import { DAY_FILE, elementAt, type ChannelType, type Folder, type SlackMessage } from './model.js';

/** The conversation metadata files, the type of conversation each lists, and the key of its folder name. */
export const CONVERSATION_FILES: ReadonlyArray<readonly [string, ChannelType, 'name' | 'id']> = [
  ['channels.json', 'channel', 'name'],
  ['groups.json', 'private-channel', 'name'],
  ['dms.json', 'dm', 'id'],
  ['mpims.json', 'group-dm', 'name'],
];

/** Reads whole files into one growing buffer, synchronously (a day file is small). */
export class FileReader {
  private buf = Buffer.allocUnsafeSlow(1 << 20);

  read(file: string): Buffer {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (this.buf.length < size) this.buf = Buffer.allocUnsafeSlow(Math.max(size, this.buf.length * 2));
      let got = 0;
      while (got < size) {
        const n = readSync(fd, this.buf, got, size - got, got);
        if (n === 0) break;
        got += n;
      }
      return this.buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  }
}

export class ExportReader {
  /**
   * @param root the export folder (absolute)
   * @param label the folder as the config names it (in messages)
   * @param source the source's name (in hints)
   */
  constructor(
    readonly root: string,
    private readonly label: string,
    private readonly source: string,
  ) {}

  async readFile(rel: string): Promise<Buffer> {
    try {
      // synchronous: a day file is small, and an asynchronous read costs a thread-pool round
      // trip per file (thousands of them in a large export)
      return readFileSync(join(this.root, rel));
    } catch (err) {
      throw this.cannotRead(rel, err);
    }
  }

  readInto(reader: FileReader, rel: string): Buffer {
    try {
      return reader.read(join(this.root, rel));
    } catch (err) {
      throw this.cannotRead(rel, err);
    }
  }

  private cannotRead(rel: string, err: unknown): SourceError {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
    return new SourceError(
      `${this.label}/${rel}: cannot read the file (${why})`,
      `check sources "${this.source}".path: it must be an unpacked Slack export folder`,
    );
  }

  async readUsers(): Promise<{ buf: Buffer; elements: ElementRange[] }> {
    const st = await fsp.stat(this.root).catch(() => null);
    if (!st?.isDirectory()) {
      throw new SourceError(`${this.label}: no such folder`, `check sources "${this.source}".path: it must be an unpacked Slack export folder`);
    }
    const buf = await this.readFile('users.json');
    return { buf, elements: this.elements(buf, 'users.json') };
  }

  /**
   * Every conversation object of the metadata files that are present (each is optional: an
   * export has only those of the conversations it includes), with the file and type it has.
   */
  async conversations(): Promise<Array<{ file: string; type: ChannelType; key: 'name' | 'id'; conv: Record<string, unknown> }>> {
    const out: Array<{ file: string; type: ChannelType; key: 'name' | 'id'; conv: Record<string, unknown> }> = [];
    for (const [file, type, key] of CONVERSATION_FILES) {
      let buf: Buffer;
      try {
        buf = await fsp.readFile(join(this.root, file));
      } catch {
        continue;
      }
      for (const el of this.elements(buf, file)) {
        const conv = this.parse<Record<string, unknown>>(buf, el, file);
        if (conv && typeof conv === 'object') out.push({ file, type, key, conv });
      }
    }
    return out;
  }

  async folders(): Promise<Folder[]> {
    const types = new Map<string, ChannelType>();
    for (const { type, key, conv } of await this.conversations()) if (typeof conv[key] === 'string') types.set(conv[key], type);
    let entries;
    try {
      entries = await fsp.readdir(this.root, { withFileTypes: true });
    } catch (err) {
      throw new SourceError(`${this.label}: cannot list the folder (${errorMessage(err)})`, `check sources "${this.source}".path`);
    }
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => ({ name: e.name, type: types.get(e.name) ?? (/^D[A-Z0-9]+$/.test(e.name) ? 'dm' : 'channel') }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async dayFiles(folder: Folder): Promise<string[]> {
    const names = await fsp.readdir(join(this.root, folder.name));
    return names.filter((n) => DAY_FILE.test(n)).sort();
  }

  /** Every day file, and a stamp of their names, sizes and mtimes (for the memos of message searches). */
  async dayFilesStamped(): Promise<{ files: Array<{ folder: Folder; rel: string }>; digest: string }> {
    const files: Array<{ folder: Folder; rel: string }> = [];
    for (const folder of await this.folders()) for (const day of await this.dayFiles(folder)) files.push({ folder, rel: `${folder.name}/${day}` });
    const stamp = createHash('sha256');
    for (const f of files) {
      const st = statSync(join(this.root, f.rel), { throwIfNoEntry: false });
      stamp.update(`${f.rel}\0${st?.size ?? -1}\0${st?.mtimeMs ?? -1}\n`);
    }
    return { files, digest: stamp.digest('hex') };
  }

  /**
   * The elements of a day file that hold the byte positions `hits`, each with the positions a
   * hit is counted in for it (see elementsAround): around the hits when the file is laid out as
   * an export is, else from arrayElements over the whole file.
   */
  elementsWith(buf: Buffer, rel: string, hits: number[]): Array<{ range: ElementRange; from: number; to: number }> {
    const near = elementsAround(buf, hits);
    if (near) return near;
    const elements = this.elements(buf, rel);
    if (elements.length === 0) return [];
    const out = new Map<number, { range: ElementRange; from: number; to: number }>();
    for (const at of hits) {
      const k = elementAt(elements, at);
      if (!out.has(k))
        out.set(k, { range: elements[k]!, from: k === 0 ? 0 : elements[k]!.start, to: k + 1 < elements.length ? elements[k + 1]!.start : buf.length });
    }
    return [...out.values()];
  }

  elements(buf: Buffer, rel: string): ElementRange[] {
    try {
      return arrayElements(buf);
    } catch (err) {
      throw new SourceError(
        `${this.label}/${rel}: not a Slack export file (${errorMessage(err)})`,
        'export the workspace again, or fix the file; nothing was changed',
      );
    }
  }

  parse<T>(buf: Buffer, range: ElementRange, rel: string): T {
    try {
      return JSON.parse(buf.toString('utf8', range.start, range.end)) as T;
    } catch (err) {
      throw new SourceError(
        `${this.label}/${rel}: malformed JSON at byte ${range.start}: ${errorMessage(err)}`,
        'export the workspace again, or fix the file; nothing was changed',
      );
    }
  }

  /**
   * Every element of a day file, parsed: the whole array at once when it is valid JSON, else
   * element by element, so that a malformed file fails with the error discover gives.
   */
  messagesOf(buf: Buffer, rel: string): SlackMessage[] {
    const hasBom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
    try {
      const all = JSON.parse(buf.toString('utf8', hasBom ? 3 : 0)) as unknown;
      if (Array.isArray(all)) return all as SlackMessage[];
    } catch {
      // element by element below
    }
    return this.elements(buf, rel).map((range) => this.parse<SlackMessage>(buf, range, rel));
  }

  /** The parsed elements of a day file that hold one of `needles`, in file order. */
  *candidateMessages(buf: Buffer, rel: string, needles: Buffer[]): Iterable<{ msg: SlackMessage; range: ElementRange }> {
    const elements = this.elements(buf, rel);
    const hits = new Set<number>();
    for (const n of needles) {
      for (let at = buf.indexOf(n); at !== -1; at = buf.indexOf(n, at + 1)) hits.add(elementAt(elements, at));
    }
    for (const k of [...hits].sort((a, b) => a - b)) {
      const range = elements[k]!;
      const msg = this.parse<SlackMessage>(buf, range, rel);
      if (msg && typeof msg === 'object') yield { msg, range };
    }
  }
}
