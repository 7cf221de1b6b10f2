import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/core/config.js';
import { ConfigError } from '../../src/core/errors.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(text: string, name = 'privacyctl.yaml'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function configError(file: string): ConfigError {
  try {
    loadConfig(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const survey = `
  - name: survey
    kind: csv
    path: data/survey.csv
    match: { email: [Email] }
`;

describe('loadConfig: reading the file', () => {
  it('a missing file is a ConfigError naming the file', () => {
    const file = path.join(dir, 'nope.yaml');
    const err = configError(file);
    expect(err.message).toContain(file);
  });

  it('text that is not YAML is a ConfigError giving the line', () => {
    const file = write('controller:\n  name: CRI-O\nsources: [a, b\nstateDir: x\n');
    const err = configError(file);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/line \d+/);
  });

  it('duplicate keys are rejected', () => {
    const file = write('stateDir: a\nstateDir: b\n');
    configError(file);
  });

  it('a YAML scalar instead of a mapping is rejected', () => {
    const err = configError(write('just a string\n'));
    expect(err.message).toMatch(/mapping/);
  });

  it('an empty file gives defaults: no sources, stateDir .privacyctl beside the file', () => {
    const file = write('');
    const cfg = loadConfig(file);
    expect(cfg.sources).toEqual([]);
    expect(cfg.stateDir).toBe(path.join(dir, '.privacyctl'));
    expect(cfg.controller.responseDays).toBeUndefined(); // one calendar month
  });
});

describe('loadConfig: schema errors name the path', () => {
  it('a missing path in the second source names sources[1].path', () => {
    const file = write(`sources:${survey}  - name: other\n    kind: csv\n    match: { email: [Email] }\n`);
    const err = configError(file);
    expect(err.message).toContain(file);
    expect(err.message).toContain('sources[1].path');
  });

  it('a missing match names sources[0].match', () => {
    const err = configError(write('sources:\n  - { name: s, kind: csv, path: a.csv }\n'));
    expect(err.message).toContain('sources[0].match');
  });

  it('an empty match names sources[0].match', () => {
    const err = configError(write('sources:\n  - { name: s, kind: csv, path: a.csv, match: {} }\n'));
    expect(err.message).toContain('sources[0].match');
  });

  it('an unknown key is rejected and named', () => {
    const err = configError(write('sources:\n  - { name: s, kind: csv, path: a.csv, match: { email: [E] }, colour: red }\n'));
    expect(err.message).toContain('sources[0].colour');
  });

  it('an unknown top-level key is rejected and named', () => {
    const err = configError(write('sourcess: []\n'));
    expect(err.message).toContain('sourcess');
  });

  it('an unknown kind names the kind', () => {
    const err = configError(write('sources:\n  - { name: s, kind: spreadsheet, path: a.csv }\n'));
    expect(err.message).toContain('sources[0].kind');
    expect(err.message).toContain('spreadsheet');
  });

  it('a missing kind is rejected', () => {
    const err = configError(write('sources:\n  - { name: s, path: a.csv }\n'));
    expect(err.message).toContain('sources[0].kind');
  });

  it('every documented source kind is known, and each validates its own keys', () => {
    for (const kind of ['csv', 'github', 'git', 'gitdm', 'mbox', 'slack-export', 'sql', 'analytics']) {
      const err = configError(write(`sources:\n  - { name: s, kind: ${kind}, bogusKey: 1 }\n`));
      expect(err.message).toContain('sources[0]');
      expect(err.message).not.toContain('not a known source kind');
    }
  });

  it('a source name used twice is rejected, naming the second', () => {
    const err = configError(write(`sources:${survey}${survey}`));
    expect(err.message).toContain('sources[1].name');
    expect(err.message).toContain('survey');
  });

  it('redact must include every match column', () => {
    const err = configError(
      write('sources:\n  - { name: s, kind: csv, path: a.csv, match: { email: [Email], github: [GitHub] }, erase: { redact: [Email, Name] } }\n'),
    );
    expect(err.message).toContain('sources[0].erase.redact');
    expect(err.message).toContain('GitHub');
  });

  it('redact covering every match column is accepted', () => {
    const cfg = loadConfig(
      write('sources:\n  - { name: s, kind: csv, path: a.csv, match: { email: [Email], github: [GitHub] }, erase: { redact: [GitHub, Email, Name] } }\n'),
    );
    expect(cfg.sources[0]!.config).toMatchObject({ erase: { redact: ['GitHub', 'Email', 'Name'] } });
  });

  it('an unknown erase mode is rejected', () => {
    const err = configError(write('sources:\n  - { name: s, kind: csv, path: a.csv, match: { email: [E] }, erase: shred }\n'));
    expect(err.message).toContain('sources[0].erase');
  });

  it.each([['";;"'], ['""'], ['"\\""']])('delimiter %s is rejected', (d) => {
    const err = configError(write(`sources:\n  - { name: s, kind: csv, path: a.csv, match: { email: [E] }, delimiter: ${d} }\n`));
    expect(err.message).toContain('sources[0].delimiter');
  });

  it('a one-character delimiter is accepted; comma is the default', () => {
    const cfg = loadConfig(
      write(
        'sources:\n  - { name: a, kind: csv, path: a.csv, match: { email: [E] }, delimiter: ";" }\n  - { name: b, kind: csv, path: b.csv, match: { email: [E] } }\n',
      ),
    );
    expect(cfg.sources.map((s) => (s.config as unknown as { delimiter: string }).delimiter)).toEqual([';', ',']);
  });

  it('a legal basis outside the list is rejected', () => {
    const err = configError(write('sources:\n  - { name: s, kind: csv, path: a.csv, match: { email: [E] }, legalBasis: because }\n'));
    expect(err.message).toContain('sources[0].legalBasis');
  });
});

describe('loadConfig: every problem at once, in plain words', () => {
  it('lists each problem with its path, what was expected, and what a misspelt key probably meant', () => {
    const err = configError(
      write(
        [
          'controler: { name: X, contact: y }',
          'sources:',
          '  - { name: s1, kind: csv, pat: a.csv, match: { email: Email } }',
          '  - { name: s2, kind: mbx, paths: [a.mbox] }',
          '  - { name: s3, kind: mbox, paths: a.mbox }',
          '',
        ].join('\n'),
      ),
    );
    expect(err.message).toContain('6 problems:');
    expect(err.message).toContain('controler is not a known key here; did you mean "controller"?');
    expect(err.message).toContain('sources[0].pat is not a known key here; did you mean "path"?');
    expect(err.message).toContain('sources[0].path is required');
    expect(err.message).toContain('sources[0].match.email must be a list ([a, b]), not text ("Email")');
    expect(err.message).toContain('sources[1].kind "mbx" is not a known source kind; did you mean "mbox"?');
    expect(err.message).toContain('sources[2].paths must be a list ([a, b]), not text ("a.mbox")');
    expect(err.message).not.toMatch(/Invalid input|expected array, received/);
  });
});

describe('loadConfig: resolution and defaults', () => {
  it('stateDir resolves against the config file directory, not the cwd', () => {
    fs.mkdirSync(path.join(dir, 'conf'));
    const file = write('stateDir: state\n', 'conf/p.yaml');
    const cfg = loadConfig(file);
    expect(cfg.dir).toBe(path.join(dir, 'conf'));
    expect(cfg.stateDir).toBe(path.join(dir, 'conf', 'state'));
  });

  it('an absolute stateDir is kept', () => {
    const abs = path.join(dir, 'elsewhere');
    expect(loadConfig(write(`stateDir: ${abs}\n`)).stateDir).toBe(abs);
  });

  it('controller is read; without responseDays a request is due one calendar month after receipt', () => {
    const cfg = loadConfig(write('controller: { name: Example Project, contact: privacy@example.org }\n'));
    expect(cfg.controller).toEqual({ name: 'Example Project', contact: 'privacy@example.org' });
  });

  it('Art. 15 facts are only what the config states: none are filled in from the kind', () => {
    const cfg = loadConfig(write(`sources:${survey}`));
    expect(cfg.sources[0]!.facts).toEqual({});
    expect(cfg.sources[0]!.name).toBe('survey');
    expect(cfg.sources[0]!.kind).toBe('csv');
  });

  it('Art. 15 facts stated per source are kept as written, and nothing else is added', () => {
    const cfg = loadConfig(
      write(
        'sources:\n  - { name: s, kind: csv, path: a.csv, match: { email: [E] }, purpose: [communication], legalBasis: contract, recipients: [Example Events Ltd], retention: one year }\n',
      ),
    );
    expect(cfg.sources[0]!.facts).toEqual({
      purpose: ['communication'],
      legalBasis: 'contract',
      recipients: ['Example Events Ltd'],
      retention: 'one year',
    });
  });
});
