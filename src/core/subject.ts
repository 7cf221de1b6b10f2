// SUBJECT: --email / --github / --include-identity turned into validated identities.
import { UsageError } from './errors.js';
import {
  IDENTITY_TYPES,
  identityKey,
  impliedIdentities,
  normalizeEmail,
  normalizeGithub,
  parseTypedIdentity,
  typeOfTypedIdentity,
  type Identity,
  type SubjectIdentity,
} from './identity.js';

export interface SubjectSpec {
  emails: string[];
  githubs: string[];
  /** TYPE:VALUE identities accepted by hand (--include-identity). */
  include: string[];
  /** Identities taken from a ledger request, already canonical. */
  fromRequest?: { id: string; identities: Identity[] };
}

/** `allowEmpty`: only validate what was given (the rest comes from a ledger request). */
export function resolveSubject(spec: SubjectSpec, opts: { allowEmpty?: boolean } = {}): SubjectIdentity[] {
  const out = new Map<string, SubjectIdentity>();
  const add = (id: SubjectIdentity) => {
    if (!out.has(identityKey(id))) out.set(identityKey(id), id);
  };
  for (const raw of spec.emails) {
    const v = normalizeEmail(raw);
    // The rejected value is not echoed: it may be someone's address, and messages end up in logs.
    if (v === null) throw new UsageError('--email: not a valid email address', 'give one whole address, e.g. --email ann@example.org');
    add({ type: 'email', value: v, provenance: { via: 'given', reason: 'given on the command line' } });
  }
  for (const raw of spec.githubs) {
    const v = normalizeGithub(raw);
    if (v === null) {
      throw new UsageError('--github: not a valid GitHub handle', 'a handle is 1-39 letters, digits or single hyphens, e.g. --github ann-example');
    }
    add({ type: 'github', value: v, provenance: { via: 'given', reason: 'given on the command line' } });
  }
  for (const id of spec.fromRequest?.identities ?? []) {
    add({ type: id.type, value: id.value, provenance: { via: 'given', reason: `from request ${spec.fromRequest!.id}` } });
  }
  for (const raw of spec.include) {
    const type = typeOfTypedIdentity(raw);
    if (type !== null && !(IDENTITY_TYPES as readonly string[]).includes(type)) {
      // an unknown type would match nothing, and the run would look as if the person had no data
      throw new UsageError(`--include-identity: unknown identity type "${type.slice(0, 40)}"`, `the types are ${IDENTITY_TYPES.join(', ')}`);
    }
    const id = parseTypedIdentity(raw);
    if (id === null) {
      throw new UsageError('--include-identity: expected TYPE:VALUE with a valid value', 'e.g. --include-identity github:ann-example or email:ann@example.org');
    }
    add({ ...id, provenance: { via: 'accepted', reason: 'candidate link accepted by the operator (--include-identity)' } });
  }
  if (out.size === 0 && !opts.allowEmpty) {
    throw new UsageError('no subject given', 'name the person with --email ADDR and/or --github HANDLE');
  }
  for (const id of [...out.values()]) {
    for (const implied of impliedIdentities(id)) {
      add({ ...implied.identity, provenance: { via: 'link', reason: implied.reason, from: { type: id.type, value: id.value } } });
    }
  }
  return [...out.values()];
}
