// The record model every adapter yields.
import type { Identity, MatchedIdentity } from './identity.js';

export type Disposition = 'erase' | 'retain' | 'manual';

export interface Retention {
  reason: string;
  /** The legal ground, in words the person can read (it goes into the reply). */
  ground: string;
  /** For the operator only (plans, receipts), never the person's reply: how the source could be set to erase it. */
  hint?: string;
}

export interface PersonalRecord {
  source: string;
  type: string;
  locator: string;
  matched: MatchedIdentity[];
  categories: string[];
  data: Record<string, unknown>;
  disposition: Disposition;
  action?: string;
  retention?: Retention;
  manual?: string;
  /**
   * Adapter-private parameters its erase() needs to find this record again (a row digest, an
   * id). Carried in plans, never in exports.
   */
  erasure?: Record<string, unknown>;
}

/** A link between two identities that an adapter saw, with where it saw it. */
export interface IdentityLink {
  kind: 'identity-link';
  from: Identity;
  to: Identity;
  /** strong links are followed automatically; candidates only with --include-identity. */
  strength: 'strong' | 'candidate';
  source: string;
  locator: string;
  reason: string;
}

export function isIdentityLink(x: PersonalRecord | IdentityLink): x is IdentityLink {
  return (x as IdentityLink).kind === 'identity-link';
}

/** A record as it appears in exports: the adapter-private erasure parameters left out. */
export function publicRecord(r: PersonalRecord): Omit<PersonalRecord, 'erasure'> {
  const { erasure: _omit, ...rest } = r;
  return rest;
}
