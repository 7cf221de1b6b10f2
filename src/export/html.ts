// The reply a data subject can read (GDPR Art. 12: "concise, transparent, intelligible and
// easily accessible"): one self-contained HTML page — inline CSS, no script, no network
// request (a Content-Security-Policy forbids both), readable on a phone and printable.
// Every value from a source is escaped: a message body is text, never markup.
import { unsearched } from '../core/engine.js';
import type { ExportDocument } from './document.js';
import { categoryLabel, fieldLabel, identityLabel, provenanceText, publicLocator, typeLabel, valueText } from './labels.js';

type Rec = ExportDocument['records'][number];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  const s = typeof value === 'string' ? value : value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const LEGAL_BASIS: Record<string, string> = {
  consent: 'your consent (GDPR Art. 6(1)(a)); you may withdraw it at any time',
  contract: 'a contract with you, or steps you asked for before one (Art. 6(1)(b))',
  'legal-obligation': 'a legal obligation (Art. 6(1)(c))',
  'legitimate-interest': 'our legitimate interest (Art. 6(1)(f)); you may object to it',
};

const DATE_KEY = /date|time|created|updated|submitted|registered|registriert|when|_at$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** The month a record is dated in, from the first date-like field of its data. */
export function recordMonth(r: Pick<Rec, 'data'>): string | null {
  const entries = Object.entries(r.data);
  const ordered = [...entries.filter(([k]) => DATE_KEY.test(k)), ...entries.filter(([k]) => !DATE_KEY.test(k))];
  for (const [, v] of ordered) {
    if (typeof v !== 'string') continue;
    const m = ISO_DATE.exec(v.trim());
    if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return `${m[1]}-${m[2]}`;
  }
  return null;
}

/** An inline SVG bar chart of records per month, or '' when no record carries a date. */
export function timelineSvg(records: Array<Pick<Rec, 'data'>>): string {
  const counts = new Map<string, number>();
  for (const r of records) {
    const m = recordMonth(r);
    if (m) counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  if (counts.size === 0) return '';
  const months = [...counts.keys()].sort();
  // Every month between the first and the last, so gaps show as gaps.
  const all: string[] = [];
  let [y, mo] = months[0]!.split('-').map(Number) as [number, number];
  const last = months[months.length - 1]!;
  for (let guard = 0; guard < 600; guard++) {
    const key = `${y}-${String(mo).padStart(2, '0')}`;
    all.push(key);
    if (key === last) break;
    mo++;
    if (mo > 12) {
      mo = 1;
      y++;
    }
  }
  const max = Math.max(...counts.values());
  const barW = 24;
  const gap = 6;
  const h = 120;
  const width = all.length * (barW + gap) + gap;
  const bars = all
    .map((m, i) => {
      const n = counts.get(m) ?? 0;
      const bh = n === 0 ? 0 : Math.max(2, Math.round((n / max) * h));
      const x = gap + i * (barW + gap);
      const label =
        i === 0 || i === all.length - 1 || m.endsWith('-01')
          ? `<text x="${x + barW / 2}" y="${h + 16}" text-anchor="middle" class="axis">${escapeHtml(m)}</text>`
          : '';
      return `<g><title>${escapeHtml(m)}: ${n} record${n === 1 ? '' : 's'}</title><rect x="${x}" y="${h - bh}" width="${barW}" height="${bh}" rx="2" class="bar"/>${n > 0 ? `<text x="${x + barW / 2}" y="${h - bh - 4}" text-anchor="middle" class="count">${n}</text>` : ''}${label}</g>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Records per month" viewBox="0 0 ${Math.max(width, 120)} ${h + 24}" class="chart">${bars}</svg>`;
}

const NOT_STATED = '<em>not stated</em>';

function list(items: string[] | undefined): string {
  if (items === undefined) return NOT_STATED;
  return items.length === 0 ? '<em>none</em>' : items.map(escapeHtml).join(', ');
}

const text = (v: string | undefined) => (v === undefined ? NOT_STATED : escapeHtml(v));

function recordsTable(records: Rec[]): string {
  const keys: string[] = [];
  for (const r of records) for (const k of Object.keys(r.data)) if (!keys.includes(k)) keys.push(k);
  const head = ['Where', ...keys.map(fieldLabel), 'After an erasure request'].map((k) => `<th scope="col">${escapeHtml(k)}</th>`).join('');
  const rows = records
    .map((r) => {
      // The operator's instructions (manual steps, actions) are not the person's business: the outcome is.
      const fate =
        r.disposition === 'erase' ? 'erased' : r.disposition === 'retain' ? `kept: ${escapeHtml(r.retention?.reason)}` : 'erased by hand by our team';
      const cells = keys.map((k) => `<td>${escapeHtml(valueText(r.data[k]))}</td>`).join('');
      return `<tr><td class="loc">${escapeHtml(publicLocator(r.locator))}</td>${cells}<td>${fate}</td></tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
}

const CSS = `
:root { color-scheme: light; --ink:#1d2330; --muted:#5b6475; --line:#d9dde5; --accent:#1f5fa8; --bg:#fff; --soft:#f4f6f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
.muted { color: var(--muted); } .status-failed { color: #a8201a; font-weight: 600; } .status-skipped { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: minmax(8rem, 12rem) 1fr; gap: .25rem 1rem; margin: .5rem 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
.scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; min-width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-bottom: 1px solid var(--line); white-space: pre-wrap; overflow-wrap: break-word; min-width: 7rem; max-width: 24rem; }
th { background: var(--soft); } td.loc { font-family: ui-monospace, monospace; font-size: .8rem; min-width: 12rem; }
.card { background: var(--soft); border-radius: 6px; padding: .75rem 1rem; margin: .5rem 0; }
.chart { width: 100%; max-width: 40rem; height: auto; } .bar { fill: var(--accent); } .axis, .count { font: 10px sans-serif; fill: var(--muted); }
ul.rights li { margin: .25rem 0; }
@media (max-width: 40rem) { dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: .5rem; } }
@media print { body { font-size: 11pt; } main { max-width: none; } .scroll { overflow: visible; border: none; } th, td { min-width: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
`;

/** "We searched 9 of 10 sources …; we could not search lanternfish-github (…)": never "all" when one was not searched. */
function searchedSentence(doc: ExportDocument): string {
  const missing = unsearched(doc.sources);
  const searched = doc.sources.filter((s) => s.status === 'ok').length;
  const records = `<strong>${doc.summary.records} record${doc.summary.records === 1 ? '' : 's'}</strong>`;
  const head = `We searched ${searched} of the ${doc.sources.length} source${doc.sources.length === 1 ? '' : 's'} where we may hold data about you and found ${records} about you`;
  const noIdentity = doc.sources.filter((s) => s.status === 'skipped' && s.skip === 'no-identity');
  const other =
    noIdentity.length === 0
      ? ''
      : ` ${noIdentity.length === 1 ? 'One source was' : `${noIdentity.length} sources were`} not searched because we know no identity of yours of the kind ${noIdentity.length === 1 ? 'it records' : 'they record'} (${noIdentity.map((s) => escapeHtml(s.name)).join(', ')}).`;
  if (missing.length === 0) return `${head}.${other}`;
  // The reasons are the operator's (tokens, paths); the person learns which sources, and that the answer is incomplete.
  return `${head}. We could not search ${missing.map((s) => escapeHtml(s.name)).join(', ')} at this time: this answer does not cover what ${missing.length === 1 ? 'it holds' : 'they hold'}.${other}`;
}

const REQUEST_WORDS: Record<string, string> = {
  access: 'access',
  portability: 'data portability',
  erasure: 'erasure',
  rectification: 'rectification',
  restriction: 'restriction',
  objection: 'objection',
};

const linkOrText = (v: string) => (/^https?:\/\/\S+$/.test(v) ? `<a href="${escapeHtml(v)}">${escapeHtml(v)}</a>` : escapeHtml(v));

/** The authority responsible for the controller (Art. 15(1)(f)), or that the config does not name it. */
function authority(c: ExportDocument['controller']): string {
  const a = c.supervisoryAuthority;
  if (!a) return `The authority responsible for us: ${NOT_STATED}.`;
  return `The authority responsible for us: ${escapeHtml(a.name)}${a.address ? `, ${escapeHtml(a.address)}` : ''}${a.url ? ` (${linkOrText(a.url)})` : ''}.`;
}

export function toHtml(doc: ExportDocument): string {
  const c = doc.controller;
  const when = (iso: string) => escapeHtml(iso.slice(0, 10));
  const identities = doc.subject.identities
    .map(
      (i) =>
        `<li><strong>${escapeHtml(identityLabel(i.type))}</strong> ${escapeHtml(i.value)} <span class="muted">— ${escapeHtml(provenanceText(i.provenance))}</span></li>`,
    )
    .join('\n');
  const sections = doc.sources
    .map((s) => {
      const records = doc.records.filter((r) => r.source === s.name);
      const byType = new Map<string, Rec[]>();
      for (const r of records) byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
      const status =
        s.status === 'ok'
          ? records.length === 0
            ? 'we found nothing about you here'
            : `${records.length} record${records.length === 1 ? '' : 's'} about you`
          : s.partial
            ? `${records.length} record${records.length === 1 ? '' : 's'} about you; <span class="status-failed">we could search this source only in part</span>${s.optional ? '' : ' — we will complete this part of the answer separately'}`
            : s.status === 'failed' || s.skip === 'unavailable'
              ? `<span class="status-failed">we could not search this source at this time</span>${s.optional ? '' : ' — we will complete this part of the answer separately'}`
              : `<span class="status-skipped">not searched: we know no identity of yours of the kind it records</span>`;
      const tables = [...byType].map(([type, rs]) => `<h4>${escapeHtml(typeLabel(type))} (${rs.length})</h4>\n${recordsTable(rs)}`).join('\n');
      const f = s.facts;
      // Facts describe what is held: a source where nothing about the person was found makes no such claim.
      const facts =
        records.length === 0
          ? ''
          : `<dl class="facts">
<dt>What we hold</dt><dd>${list(f.categories?.map(categoryLabel))}</dd>
<dt>Why</dt><dd>${list(f.purpose)}</dd>
<dt>Legal basis</dt><dd>${f.legalBasis === undefined ? NOT_STATED : escapeHtml(LEGAL_BASIS[f.legalBasis] ?? f.legalBasis)}</dd>
<dt>Who receives it</dt><dd>${f.recipients === undefined ? NOT_STATED : f.recipients.length ? list(f.recipients) : 'nobody outside the project'}</dd>
<dt>Transfers outside the EU/EEA</dt><dd>${text(f.transfers)}</dd>
<dt>How long we keep it</dt><dd>${text(f.retention)}</dd>
<dt>Where it came from</dt><dd>${text(f.origin)}</dd>
</dl>`;
      return `<section class="source">
<h3>${escapeHtml(s.name)}</h3>
<p>${status}</p>
${
  // A note at search time says what could not be read (the wording, with its operator hint, is in the export and receipts).
  s.notes?.length
    ? `<p class="muted">Part of what this source may hold could not be read at this time; we will complete this part of the answer separately.</p>`
    : ''
}
${facts}
${tables}
</section>`;
    })
    .join('\n');
  const retained = doc.records.filter((r) => r.disposition === 'retain');
  const manual = doc.records.filter((r) => r.disposition === 'manual');
  const chart = timelineSvg(doc.records);
  const contact = escapeHtml(c.contact);
  const contactLink = /^[^\s@<>"']+@[^\s@<>"']+$/.test(c.contact) ? `<a href="mailto:${contact}">${contact}</a>` : contact;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<title>Your personal data held by ${escapeHtml(c.name)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>Your personal data held by ${escapeHtml(c.name)}</h1>
<p class="muted">Prepared ${when(doc.generatedAt)}${
    // Only a request recorded in the ledger has a known receipt date; otherwise say no more than is known.
    doc.request.id
      ? ` in answer to your ${escapeHtml(REQUEST_WORDS[doc.request.type] ?? doc.request.type)} request ${escapeHtml(doc.request.id)}, received ${when(doc.request.received)}; the answer is due by ${when(doc.request.deadline)}`
      : ''
  }.</p>
</header>

<section id="summary">
<h2>Summary</h2>
<div class="card">${searchedSentence(doc)}
If you ask us to erase your data, ${doc.summary.erase} would be erased, ${doc.summary.retain} kept for the reasons given below, and ${doc.summary.manual} handled by hand.</div>
${chart ? `<h3>Your records over time</h3>\n${chart}` : ''}
</section>

<section id="identities">
<h2>How we found you</h2>
<p>We searched for these identities; each says why it was used.</p>
<ul>
${identities}
</ul>
</section>

<section id="sources">
<h2>What we hold, and why</h2>
${sections}
</section>

<section id="retained">
<h2>What we keep after an erasure request</h2>
${
  retained.length === 0
    ? '<p>Nothing: every record above can be erased on request.</p>'
    : `<p>Some public records are kept as proof of contribution and for the integrity of the project's history.</p>
<div class="scroll"><table><thead><tr><th scope="col">Where</th><th scope="col">What</th><th scope="col">Why it is kept</th><th scope="col">Ground</th></tr></thead><tbody>
${retained.map((r) => `<tr><td class="loc">${escapeHtml(publicLocator(r.locator))}</td><td>${escapeHtml(typeLabel(r.type))} (${escapeHtml(r.source)})</td><td>${escapeHtml(r.retention?.reason)}</td><td>${escapeHtml(r.retention?.ground)}</td></tr>`).join('\n')}
</tbody></table></div>`
}
${
  manual.length === 0
    ? ''
    : `<h3>Erased by hand by our team</h3><p>These records are erased by a person on our team rather than by our tool:</p><ul>${manual.map((r) => `<li>${escapeHtml(typeLabel(r.type))} <span class="muted">(${escapeHtml(r.source)}, ${escapeHtml(publicLocator(r.locator))})</span></li>`).join('\n')}</ul>`
}
</section>

<section id="decisions">
<h2>Automated decisions and profiling</h2>
<p>${c.automatedDecisions === undefined ? NOT_STATED : escapeHtml(c.automatedDecisions)}</p>
</section>

<section id="rights">
<h2>What you can do next</h2>
<ul class="rights">
<li><strong>Correct</strong> anything that is wrong (rectification, Art. 16).</li>
<li><strong>Have it erased</strong> (Art. 17), apart from the records kept for the reasons above.</li>
<li><strong>Restrict</strong> how we use it (Art. 18), or <strong>object</strong> to uses based on our legitimate interest (Art. 21).</li>
<li><strong>Take it elsewhere</strong>: the machine-readable copy (JSON, CSV) that comes with this page is yours (Art. 20).</li>
<li><strong>Withdraw consent</strong> where we rely on it; this does not affect what was done before.</li>
<li><strong>Complain</strong> to a data protection supervisory authority, for example the one where you live or work (Art. 77). ${authority(c)}</li>
</ul>
<p>Write to ${escapeHtml(c.name)} at ${contactLink}.${c.privacyStatement ? ` Our privacy statement: ${linkOrText(c.privacyStatement)}.` : ''}</p>
</section>
<footer><p class="muted">Generated by privacyctl ${escapeHtml(doc.generator.version)} (${escapeHtml(doc.format)}).</p></footer>
</main>
</body>
</html>
`;
}
