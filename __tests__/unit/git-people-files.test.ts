import { describe, expect, it } from '@jest/globals';
import { parsePeopleFile, peopleFileKind } from '../../src/adapters/git/people-files.js';

const brief = (kind: Parameters<typeof parsePeopleFile>[0], text: string) =>
  parsePeopleFile(kind, text).map((e) => `${e.line} ${e.type}:${e.value} [${e.role}]${e.name ? ` ${e.name}` : ''}`);

describe('people files', () => {
  it('recognises people files by path', () => {
    expect(peopleFileKind('.mailmap')).toBe('mailmap');
    expect(peopleFileKind('sub/.mailmap')).toBeNull();
    expect(peopleFileKind('pkg/OWNERS')).toBe('owners');
    expect(peopleFileKind('OWNERS_ALIASES')).toBe('owners');
    expect(peopleFileKind('MAINTAINERS.md')).toBe('maintainers');
    expect(peopleFileKind('.github/CODEOWNERS')).toBe('codeowners');
    expect(peopleFileKind('vendor/x/CODEOWNERS')).toBeNull();
    expect(peopleFileKind('SECURITY_CONTACTS')).toBe('security-contacts');
    expect(peopleFileKind('README.md')).toBeNull();
  });

  it('reads all four .mailmap forms, with the other address of each entry', () => {
    const text = [
      '# comment <not@example.org>',
      'Dana Ruiz <dana.ruiz@example.com>',
      '<bo@lanternfish.example> <bo.tr@example.com>',
      'Ann Example <ann@example.org> <ann@lanternfish.example>',
      'Joann Doe <joann@example.org> Jo Doe <jdoe@example.org>',
      '',
    ].join('\n');
    const entries = parsePeopleFile('mailmap', text);
    expect(entries.map((e) => `${e.line} ${e.value} ${e.name ?? '-'} ${(e.sameEntry ?? []).map((s) => s.value).join(',')}`)).toEqual([
      '2 dana.ruiz@example.com Dana Ruiz ',
      '3 bo@lanternfish.example - bo.tr@example.com',
      '3 bo.tr@example.com - bo@lanternfish.example',
      '4 ann@example.org Ann Example ann@lanternfish.example',
      '4 ann@lanternfish.example Ann Example ann@example.org',
      '5 joann@example.org Joann Doe jdoe@example.org',
      '5 jdoe@example.org Jo Doe joann@example.org',
    ]);
  });

  it('reads OWNERS with emeritus_approvers and the filters form, and OWNERS_ALIASES', () => {
    const owners = [
      '# See the OWNERS docs',
      'approvers:',
      '  - botr',
      '  - Ann-Example # lead',
      'emeritus_approvers:',
      '- dana-r',
      'filters:',
      '  ".*":',
      '    labels:',
      '      - area/lantern',
      '  "\\\\.md$":',
      '    reviewers:',
      '      - ann-example',
      'options:',
      '  no_parent_owners: true',
      'reviewers: [joann-d, "zoe-lq"]',
    ].join('\n');
    expect(brief('owners', owners)).toEqual([
      '3 github:botr [approvers]',
      '4 github:ann-example [approvers]',
      '6 github:dana-r [emeritus_approvers]',
      '13 github:ann-example [filters.\\.md$.reviewers]',
      '16 github:joann-d [reviewers]',
      '16 github:zoe-lq [reviewers]',
    ]);
    // labels and options are not people: "true" is not a handle here
    expect(brief('owners', 'labels:\n  - lantern\noptions:\n  no_parent_owners: true\n')).toEqual([]);
    expect(brief('owners', 'aliases:\n  sig-leads:\n    - botr\n    - ann-example\n  sig-docs: [joann-d, zoe-lq]\n')).toEqual([
      '3 github:botr [aliases.sig-leads]',
      '4 github:ann-example [aliases.sig-leads]',
      '5 github:joann-d [aliases.sig-docs]',
      '5 github:zoe-lq [aliases.sig-docs]',
    ]);
  });

  it('reads CODEOWNERS users and addresses, never teams', () => {
    expect(brief('codeowners', '# docs\n*.md @ann-example @joann-d\n/pkg/ @botr bo@lanternfish.example\n/docs/ @lanternfish/docs-team\n')).toEqual([
      '2 github:ann-example [code owner of *.md]',
      '2 github:joann-d [code owner of *.md]',
      '3 github:botr [code owner of /pkg/]',
      '3 email:bo@lanternfish.example [code owner of /pkg/]',
    ]);
  });

  it('reads SECURITY_CONTACTS', () => {
    expect(brief('security-contacts', '# Security contacts; see SECURITY.md\nbotr\nann-example\n')).toEqual([
      '2 github:botr [security contact]',
      '3 github:ann-example [security contact]',
    ]);
  });

  it('reads MAINTAINERS.md: addresses, @handles, github.com links and handle columns', () => {
    const md = [
      '# Maintainers',
      '',
      '| Name | GitHub | Email |',
      '|------|--------|-------|',
      '| Bo Tanaka-Reyes | [botr](https://github.com/botr) | bo@lanternfish.example |',
      '| Ann Example | ann-example | ann@example.org |',
      '',
      'Emeritus: Dana Ruiz (@dana-r), mail joann@example.org.',
    ].join('\n');
    expect(brief('maintainers', md)).toEqual([
      '5 email:bo@lanternfish.example [maintainer] Bo Tanaka-Reyes',
      '5 github:botr [maintainer] Bo Tanaka-Reyes',
      '6 email:ann@example.org [maintainer] Ann Example',
      '6 github:ann-example [maintainer] Ann Example',
      '8 email:joann@example.org [maintainer]',
      '8 github:dana-r [maintainer]',
    ]);
  });
});
