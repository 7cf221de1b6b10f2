// The SUBJECT options every per-person command takes.
import type { Command } from 'commander';
import type { SubjectSpec } from '../core/subject.js';

/** commander's accumulator for a repeatable option. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** --email and --github: the identities a person is named by. */
export function addIdentityOptions(cmd: Command): Command {
  return cmd
    .option('--email <addr>', "the person's email address (repeatable)", collect)
    .option('--github <handle>', "the person's GitHub handle (repeatable)", collect);
}

export function addSubjectOptions(cmd: Command): Command {
  return addIdentityOptions(cmd)
    .option('--include-identity <type:value>', 'accept a candidate identity link by hand (repeatable)', collect)
    .option('--request <id>', 'use the identities of a ledger request (privacyctl requests add), and record this run on it')
    .option('--no-expand', 'do not follow identity links between sources');
}

/** The repeatable options are absent (undefined) when not given: no "(default: [])" in --help. */
export interface SubjectFlags {
  email?: string[];
  github?: string[];
  includeIdentity?: string[];
  expand: boolean;
  request?: string;
}

export function subjectSpec(flags: SubjectFlags): SubjectSpec {
  return { emails: flags.email ?? [], githubs: flags.github ?? [], include: flags.includeIdentity ?? [] };
}

export function hasSubject(flags: SubjectFlags): boolean {
  const s = subjectSpec(flags);
  return s.emails.length + s.githubs.length + s.include.length > 0 || Boolean(flags.request);
}
