// One commit's records and candidate links for one subject, exactly matched: the commit itself
// (author / committer), every trailer that names them, mentions elsewhere in the message, and
// same-name links between the commit's addresses. The history readers (history.ts) decide
// which commits get here.
import { matchAddress, normalizeGithub, type IdentityMatcher, type MatchedIdentity } from '../../core/identity.js';
import { CONTRIBUTION_RETENTION, SIGNOFF_RETENTION } from '../../core/policy.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import type { RepoSpec } from './repository.js';
import { addressesIn, canonicalKey, handlesIn, parseTrailers, splitIdent, trailerType } from './trailers.js';

interface Ident {
  where: string;
  name: string;
  email: string;
  /** Canonical address, or null when it is not one. */
  value: string | null;
  hit: MatchedIdentity | null;
}

export function normName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The subject's addresses (noreply ones included) and `@handles` written in a piece of text. */
function textHits(text: string, field: string, subject: IdentityMatcher): Array<{ hit: MatchedIdentity; handle: boolean; raw: string }> {
  const out: Array<{ hit: MatchedIdentity; handle: boolean; raw: string }> = [];
  for (const a of addressesIn(text)) {
    const { hit } = matchAddress(a, field, subject);
    if (hit) out.push({ hit, handle: false, raw: a });
  }
  for (const h of handlesIn(text)) {
    const login = normalizeGithub(h);
    if (login !== null && subject.matchCell('github', login) !== null)
      out.push({ hit: { type: 'github', value: login, field: `${field} (@handle)` }, handle: true, raw: `@${h}` });
  }
  return out;
}

/** The subject's records and candidate links in one commit, exactly matched. */
export function commitRecords(
  source: string,
  repo: RepoSpec,
  f: Buffer[],
  ae: string,
  ce: string,
  body: string,
  subject: IdentityMatcher,
  linked: Set<string>,
  emit: (x: PersonalRecord | IdentityLink) => void,
): void {
  const sha = f[0]!.toString('latin1');
  const an = f[1]!.toString('utf8');
  const ce_name = f[4]!.toString('utf8');
  const idents: Ident[] = [
    { where: 'author', name: an, email: ae, ...matchAddress(ae, 'author.email', subject) },
    { where: 'committer', name: ce_name, email: ce, ...matchAddress(ce, 'committer.email', subject) },
  ];
  const author = idents[0]!;
  const committer = idents[1]!;
  if (author.hit || committer.hit) {
    const data: Record<string, unknown> = { repository: repo.label, commit: sha };
    const categories = new Set(['name', 'contact.email', 'activity.timestamp']);
    if (author.hit) {
      Object.assign(data, { authorName: an, authorEmail: ae, authorDate: f[3]!.toString('latin1') });
      data['subject'] = body.split('\n', 1)[0]!.trim();
      categories.add('contribution');
    }
    if (committer.hit) Object.assign(data, { committerName: ce_name, committerEmail: ce, committerDate: f[6]!.toString('latin1') });
    emit({
      source,
      type: 'commit',
      locator: `${repo.label}@${sha}`,
      matched: [author.hit, committer.hit].filter((h): h is MatchedIdentity => h !== null),
      categories: [...categories].sort(),
      data,
      disposition: 'retain',
      retention: CONTRIBUTION_RETENTION,
    });
  }
  // Every trailer whose value holds one of the subject's addresses (or a noreply address or
  // `@handle` of theirs) is a contribution record, whatever its key.
  const trailers = parseTrailers(body);
  const inTrailer = new Set<number>();
  for (const t of trailers) {
    for (let l = t.line; l <= t.lastLine; l++) inTrailer.add(l);
    const key = canonicalKey(t.key);
    const { name, email } = splitIdent(t.value);
    const m = matchAddress(email, `trailer ${key}`, subject);
    idents.push({ where: `${key} trailer`, name, email, ...m });
    // Another address or handle in the value (`Cc: Bo <bo@…>, Ann <ann@…>`): a record carrying
    // only the subject's identity as written (the value names other people too).
    const other = m.hit ? undefined : textHits(t.value, `trailer ${key}`, subject)[0];
    const hit = m.hit ?? other?.hit ?? null;
    if (!hit) continue;
    const own = m.hit !== null;
    const type = trailerType(key);
    emit({
      source,
      type,
      locator: `${repo.label}@${sha}:message:${t.line}`,
      matched: [hit],
      categories: own && name ? ['contact.email', 'name'] : [hit.type === 'github' && !hit.field.includes('noreply') ? 'online.handle' : 'contact.email'],
      data: {
        repository: repo.label,
        commit: sha,
        trailer: key,
        ...(own ? { ...(name ? { name } : {}), email } : other!.handle ? { github: other!.raw } : { email: other!.raw }),
      },
      disposition: 'retain',
      retention: type === 'signoff' ? SIGNOFF_RETENTION : CONTRIBUTION_RETENTION,
    });
  }
  // The subject's address or handle anywhere else in the message ("reported by ann@…"): their
  // data for an access request, retained with the commit it is part of. Only the line that
  // names them is carried, not the rest of the message.
  if (body.includes('@')) {
    const lines = body.split('\n');
    lines.forEach((text, i) => {
      if (inTrailer.has(i + 1) || !text.includes('@')) return;
      const hits = textHits(text, 'message', subject);
      if (hits.length === 0) return;
      const matched = [...new Map(hits.map((h) => [`${h.hit.type}:${h.hit.value}`, h.hit])).values()];
      emit({
        source,
        type: 'mention',
        locator: `${repo.label}@${sha}:message:${i + 1}`,
        matched,
        categories: [...new Set(hits.map((h) => (h.handle ? 'online.handle' : 'contact.email')))].sort(),
        data: { repository: repo.label, commit: sha, line: i + 1, text: text.replace(/\r$/, '').trim() },
        disposition: 'retain',
        retention: CONTRIBUTION_RETENTION,
      });
    });
  }
  // Candidate links: another address in the same commit written with the same name as one of
  // the subject's (a commit author next to a sign-off). Never followed automatically.
  for (const mine of idents) {
    if (!mine.hit || normName(mine.name) === '') continue;
    for (const other of idents) {
      if (other.hit || other.value === null || normName(other.name) !== normName(mine.name)) continue;
      const key = `${mine.hit.type}:${mine.hit.value}>email:${other.value}`;
      if (linked.has(key)) continue;
      linked.add(key);
      emit({
        kind: 'identity-link',
        from: { type: mine.hit.type, value: mine.hit.value },
        to: { type: 'email', value: other.value },
        strength: 'candidate',
        source,
        locator: `${repo.label}@${sha}`,
        reason: `the ${mine.where} and the ${other.where} of the same commit carry the same name`,
      });
    }
  }
}
