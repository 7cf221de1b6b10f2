// The SUBJECT options every per-person command takes.
import type { Command } from 'commander';
import type { SubjectSpec } from '../core/subject.js';

/** commander's accumulator for a repeatable option. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** --email and --github: the identities a person is named by. */
export function addIdentityOptions(cmd: Command): Command {
  return cmd
    .option('--email <addr>', "the person's email address (repeatable)", collect, [])
    .option('--github <handle>', "the person's GitHub handle (repeatable)", collect, []);
}

export function addSubjectOptions(cmd: Command): Command {
  return addIdentityOptions(cmd)
    .option('--include-identity <type:value>', 'accept a candidate identity link by hand (repeatable)', collect, [])
    .option('--request <id>', "use the identities of a ledger request (privacyctl requests add), and record this run on it")
    .option('--no-expand', 'do not follow identity links between sources');
}

export interface SubjectFlags {
  email: string[];
  github: string[];
  includeIdentity: string[];
  expand: boolean;
  request?: string;
}

export function subjectSpec(flags: SubjectFlags): SubjectSpec {
  return { emails: flags.email, githubs: flags.github, include: flags.includeIdentity };
}

export function hasSubject(flags: SubjectFlags): boolean {
  return flags.email.length + flags.github.length + flags.includeIdentity.length > 0 || Boolean(flags.request);
}
