// People files at the tip: vendored trees (vendor/, third_party/, node_modules/, the configured
// `exclude:` globs) are other projects' people, not this one's; and the edits the adapter asks
// for leave no nonsense behind (an empty table row, a CODEOWNERS pattern without an owner).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AdapterContext } from '../../src/adapters/types.js';
import { gitSourceSchema } from '../../src/adapters/git/config.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { isIdentityLink, type IdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { expectManyMatchesSingle } from '../helpers/many.js';
import { fastImport, gitAdapter } from '../helpers/git-repo.js';

const ANN: Identity[] = [
  { type: 'email', value: 'ann@example.org' },
  { type: 'github', value: 'ann-example' },
];

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-git-people-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(extra: Record<string, unknown> = {}, ids: Identity[] = ANN): Promise<{ records: PersonalRecord[]; links: IdentityLink[]; notes: string[] }> {
  const notes: string[] = [];
  const c: AdapterContext = { signal: new AbortController().signal, log: { info() {}, warn() {} }, stats: {}, note: (t) => void notes.push(t) };
  const records: PersonalRecord[] = [];
  const links: IdentityLink[] = [];
  for await (const x of gitAdapter(dir, ['r'], extra).discover(new IdentityMatcher(ids), c)) {
    if (isIdentityLink(x)) links.push(x);
    else records.push(x);
  }
  return { records, links, notes };
}

const ROW = '| Ann Example | [ann-example](https://github.com/ann-example) | ann@example.org |\n';
const TABLE = '| Name | GitHub | Email |\n|---|---|---|\n';

describe('git people files: vendored trees', () => {
  beforeEach(() => {
    fastImport(path.join(dir, 'r'), [{ author: 'Bo Tran <bo@lanternfish.example>', message: 'init\n' }], {
      files: {
        'pkg/OWNERS': 'approvers:\n  - ann-example\n',
        'vendor/github.com/other/lib/OWNERS': 'approvers:\n  - ann-example\n',
        'staging/vendor/k8s.io/x/MAINTAINERS.md': TABLE + ROW,
        'third_party/forked/MAINTAINERS': TABLE + '| Ann Example | ann-example | ann@other.example |\n',
        'web/node_modules/pkg/SECURITY_CONTACTS': 'ann-example\n',
        'hack/tools/OWNERS': 'reviewers:\n  - ann-example\n',
        'docs/archive/2019/MAINTAINERS.md': TABLE + ROW,
      },
    });
  });

  it('gives no people-file records and no identity links from vendor/, third_party/ or node_modules/ at any depth', async () => {
    const { records, links } = await run();
    expect(records.map((r) => r.locator).sort()).toEqual(['r:docs/archive/2019/MAINTAINERS.md:3', 'r:hack/tools/OWNERS:2', 'r:pkg/OWNERS:2']);
    expect(links.map((l) => `${l.to.type}:${l.to.value}`)).toEqual([]);
  });

  it('leaves out the files that the exclude: globs match, the file itself or a folder above it', async () => {
    const { records } = await run({ exclude: ['hack/tools', 'docs/archive/**/*.md'] });
    expect(records.map((r) => r.locator)).toEqual(['r:pkg/OWNERS:2']);
  });

  it('rejects an exclude: that is not a list of globs', () => {
    expect(() => gitSourceSchema.parse({ name: 'g', kind: 'git', repos: ['r'], exclude: 'vendor' })).toThrow();
    expect(() => gitSourceSchema.parse({ name: 'g', kind: 'git', repos: ['r'], exclude: [''] })).toThrow();
  });
});

describe('git people files: edits that leave sense behind', () => {
  const FILES = {
    'MAINTAINERS.md':
      TABLE +
      ROW +
      '| Bo Tran | [bo-tran](https://github.com/bo-tran) | bo@lanternfish.example |\n| Ann and Bo | @ann-example @bo-tran | |\n\nEmeritus:\n- Ann Example <ann@example.org> (@ann-example)\n\nQuestions go to ann@example.org or the list.\n',
    '.github/CODEOWNERS': '*.go @ann-example @bo-tran\n/docs/ @ann-example\n/api/ @ann-example @lanternfish/api-team\n/hack/ ann@example.org\n',
  };
  beforeEach(() => {
    fastImport(path.join(dir, 'r'), [{ author: 'Bo Tran <bo@lanternfish.example>', message: 'init\n' }], { files: FILES });
  });

  it('deletes a MAINTAINERS table row that names only the person, whole; removes them from a shared row', async () => {
    const { records } = await run();
    const byLine = new Map(records.filter((r) => r.data['file'] === 'MAINTAINERS.md').map((r) => [r.data['line'], r.manual!]));
    expect(byLine.get(3)).toMatch(/: delete line 3 \(the table row names only this person\)/);
    expect(byLine.get(5)).toMatch(/remove "@ann-example" from line 5, keeping the rest of the line/);
    // a list item that names only them goes whole too; a sentence keeps its other words
    expect(byLine.get(8)).toMatch(/: delete line 8 \(the list item names only this person\)/);
    expect(byLine.get(10)).toMatch(/remove "ann@example.org" from line 10, keeping the rest of the line/);
  });

  it('says when removing the person leaves a CODEOWNERS pattern without an owner, in a note and in the edit', async () => {
    const { records, notes } = await run();
    const byLine = new Map(records.filter((r) => String(r.data['file']).endsWith('CODEOWNERS')).map((r) => [r.data['line'], r.manual!]));
    expect(byLine.get(1)).toMatch(/remove "@ann-example" from line 1/);
    expect(byLine.get(2)).toMatch(/only owner of \/docs\/: name a new owner/);
    expect(byLine.get(3)).toMatch(/remove "@ann-example" from line 3/); // the team still owns /api/
    expect(byLine.get(4)).toMatch(/only owner of \/hack\/: name a new owner/);
    expect(notes.sort()).toEqual([
      'r .github/CODEOWNERS line 2: the pattern /docs/ is left without an owner once this person is removed; name a new owner',
      'r .github/CODEOWNERS line 4: the pattern /hack/ is left without an owner once this person is removed; name a new owner',
    ]);
    expect(notes.join('\n')).not.toMatch(/ann/i);
  });

  it('a batch gives each subject the same edits', async () => {
    await expectManyMatchesSingle(gitAdapter(dir, ['r']), [new IdentityMatcher(ANN), new IdentityMatcher([{ type: 'github', value: 'bo-tran' }])]);
  });
});
