// users.json: which accounts are the subject's (by profile email or a known slack-id), the
// profile record, and the strong link from the profile email to the account id.
import { bytePatterns, lowerAscii } from '../../core/byte-patterns.js';
import { emailsInCell, normalizeIdentity, type IdentityMatcher, type MatchedIdentity } from '../../core/identity.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import { escapeRegExp } from '../../core/regexp.js';
import type { ElementRange } from './json-array.js';
import { elementAt, isRedacted, type SlackUser } from './model.js';
import type { ExportReader } from './reading.js';

const JSON_ESCAPE = Buffer.from('\\u', 'latin1');
// NFC turns these into "K" and "`": a profile email or id spelt with them holds no ASCII needle
const KELVIN = Buffer.from('\u212a', 'utf8');
const VARIA = Buffer.from('\u1fef', 'utf8');

/**
 * What matchingUsers searches users.json for: the subject's addresses and ids (an address's
 * longest ASCII run when it has other characters), a JSON \\u escape, which could spell one, and
 * a KELVIN SIGN or GREEK VARIA, which NFC makes a "k" or "`" of.
 */
function userPatterns(subject: IdentityMatcher): Buffer[] {
  const needles = subject.needles(['email', 'slack-id']).filter((x) => !x.includes('!'));
  if (needles.length === 0) return [];
  const out = [...bytePatterns(needles), JSON_ESCAPE];
  if (needles.some((n) => n.includes('k'))) out.push(KELVIN);
  if (needles.some((n) => n.includes('`'))) out.push(VARIA);
  return out;
}

/** A known id whose account is no longer in users.json still finds its messages. */
export function addKnownIds(ids: Set<string>, subject: IdentityMatcher): void {
  for (const v of subject.needles(['slack-id'])) if (![...ids].some((id) => id.toLowerCase() === v)) ids.add(v.toUpperCase());
}

function profileEmail(user: SlackUser): string {
  return typeof user.profile?.['email'] === 'string' ? user.profile['email'] : '';
}

/** The subject's identities in an account: its profile email, its id. */
export function matchUser(user: SlackUser, subject: IdentityMatcher): MatchedIdentity[] {
  const matched: MatchedIdentity[] = [];
  const email = profileEmail(user);
  const e = email ? subject.matchCell('email', email) : null;
  if (e !== null) matched.push({ type: 'email', value: e, field: 'profile.email' });
  const id = subject.matchCell('slack-id', user.id);
  if (id !== null) matched.push({ type: 'slack-id', value: id, field: 'id' });
  return matched;
}

/**
 * Accounts that belong to the subject: profile email equal to one of theirs (whole address), or
 * id equal to one of their slack-ids. Pre-filter: the lower-cased bytes of an element hold a
 * needle, or a JSON \u escape (which could spell one); then exact matching on parsed fields.
 */
export function* matchingUsers(
  files: ExportReader,
  buf: Buffer,
  elements: ElementRange[],
  subject: IdentityMatcher,
): Iterable<{ user: SlackUser; matched: MatchedIdentity[] }> {
  const patterns = userPatterns(subject);
  if (patterns.length === 0 || elements.length === 0) return;
  const base = elements[0]!.start;
  const lower = lowerAscii(buf, base, elements[elements.length - 1]!.end);
  const hits = new Set<number>();
  for (const p of patterns) {
    for (let at = lower.indexOf(p); at !== -1; at = lower.indexOf(p, at + 1)) hits.add(elementAt(elements, base + at));
  }
  for (const k of [...hits].sort((a, b) => a - b)) {
    const user = files.parse<SlackUser>(buf, elements[k]!, 'users.json');
    if (!user || typeof user.id !== 'string') continue;
    if (isRedacted(user)) continue; // erased earlier: nothing personal left in it
    const matched = matchUser(user, subject);
    if (matched.length > 0) yield { user, matched };
  }
}

/**
 * matchingUsers for every subject of a batch, in one search of users.json. An account counts
 * for a subject when matchingUsers would give it: its element holds one of that subject's
 * patterns (checked per subject, in the folded bytes, before anything is yielded: the folded
 * view is shared) and its profile email or id is the subject's.
 */
export function matchingUsersMany(
  files: ExportReader,
  buf: Buffer,
  elements: ElementRange[],
  subjects: readonly IdentityMatcher[],
): Array<{ subject: number; user: SlackUser; matched: MatchedIdentity[] }> {
  const patterns = subjects.map(userPatterns);
  const all = [...new Set(patterns.flat().map((p) => p.toString('latin1')))];
  if (all.length === 0 || elements.length === 0) return [];
  // canonical email / id → the subjects that have it
  const owners = new Map<string, number[]>();
  subjects.forEach((s, k) => {
    for (const v of s.needles(['email']).filter((x) => x.includes('@'))) owners.set(`email\0${v}`, [...(owners.get(`email\0${v}`) ?? []), k]);
    for (const v of s.needles(['slack-id'])) owners.set(`slack-id\0${v}`, [...(owners.get(`slack-id\0${v}`) ?? []), k]);
  });
  const base = elements[0]!.start;
  const lower = lowerAscii(buf, base, elements[elements.length - 1]!.end);
  const text = lower.toString('latin1');
  const search = new RegExp(
    all
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  const hits = new Set<number>();
  for (let m = search.exec(text); m !== null; m = search.exec(text)) {
    hits.add(elementAt(elements, base + m.index));
    search.lastIndex = m.index + 1;
  }
  const out: Array<{ subject: number; user: SlackUser; matched: MatchedIdentity[] }> = [];
  for (const k of [...hits].sort((a, b) => a - b)) {
    const user = files.parse<SlackUser>(buf, elements[k]!, 'users.json');
    if (!user || typeof user.id !== 'string') continue;
    if (isRedacted(user)) continue;
    const email = profileEmail(user);
    const whose = new Set<number>();
    for (const e of email ? emailsInCell(email) : []) for (const s of owners.get(`email\0${e}`) ?? []) whose.add(s);
    const id = normalizeIdentity('slack-id', user.id);
    if (id !== null) for (const s of owners.get(`slack-id\0${id}`) ?? []) whose.add(s);
    // where matchingUsers would have looked for subject s: its patterns' hits in this element
    const from = elements[k]!.start - base;
    const to = k + 1 < elements.length ? elements[k + 1]!.start - base : Infinity;
    for (const s of [...whose].sort((a, b) => a - b)) {
      if (
        !patterns[s]!.some((p) => {
          const at = lower.indexOf(p, from);
          return at !== -1 && at < to;
        })
      )
        continue;
      const matched = matchUser(user, subjects[s]!);
      if (matched.length > 0) out.push({ subject: s, user, matched });
    }
  }
  return out;
}

/** The account's id, linked (strongly) to the subject's address that is its profile email. */
export function profileLink(source: string, user: SlackUser, matched: MatchedIdentity[]): IdentityLink | null {
  const email = matched.find((m) => m.type === 'email');
  if (!email) return null;
  return {
    kind: 'identity-link',
    from: { type: 'email', value: email.value },
    to: { type: 'slack-id', value: user.id.toLowerCase() },
    strength: 'strong',
    source,
    locator: `users.json#${user.id}`,
    reason: 'the Slack export gives this address as the profile email of the account',
  };
}

export function profileRecord(source: string, user: SlackUser, matched: MatchedIdentity[]): PersonalRecord {
  const p = user.profile ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const data: Record<string, unknown> = {
    id: user.id,
    name: str(user.name),
    realName: str(user.real_name) ?? str(p['real_name']),
    displayName: str(p['display_name']),
    title: str(p['title']),
    phone: str(p['phone']),
    timeZone: str(user.tz),
    timeZoneLabel: str(user.tz_label),
    email: str(p['email']),
    ...(user.deleted ? { deleted: true } : {}),
  };
  for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k];
  const categories = new Set(['online.handle']);
  if (data['realName'] || data['displayName']) categories.add('name');
  if (data['email']) categories.add('contact.email');
  if (data['phone']) categories.add('contact.phone');
  if (data['title']) categories.add('professional.title');
  if (data['timeZone']) categories.add('location.timezone');
  return {
    source,
    type: 'chat-profile',
    locator: `users.json#${user.id}`,
    matched,
    categories: [...categories].sort(),
    data,
    disposition: 'erase',
    action: 'redact-profile',
    erasure: { file: 'users.json', id: user.id },
  };
}
