// The HTML report (src/export/html.ts): self-contained, escaped, and complete about Art. 15.
import { describe, expect, it } from '@jest/globals';
import type { Discovery } from '../../src/core/engine.js';
import { buildExport } from '../../src/export/document.js';
import { escapeHtml, recordMonth, timelineSvg, toHtml } from '../../src/export/html.js';

const HOSTILE = `<script>alert("x")</script><img src=x onerror="alert(1)">&amp;'`;

function discovery(data: Record<string, unknown>, extra: Partial<Discovery> = {}): Discovery {
  const facts = {
    categories: ['contact.email'],
    purpose: ['research'],
    legalBasis: 'consent' as const,
    recipients: ['Venue <b>GmbH</b>'],
    retention: 'until the report is published',
    origin: 'provided by the data subject',
  };
  return {
    identities: [{ type: 'email', value: 'ann@example.org', provenance: { via: 'given', reason: 'given on the command line' } }],
    candidates: [],
    records: [
      { source: 'survey', type: 'csv-row', locator: 'survey.csv:2', matched: [{ type: 'email', value: 'ann@example.org', field: 'Email' }], categories: ['contact.email'], data, disposition: 'erase', action: 'delete-row' },
      {
        source: 'survey',
        type: 'commit',
        locator: 'repo@abc',
        matched: [],
        categories: [],
        data: { date: '2024-01-15T10:00:00Z', subject: 'Fix <b>bug</b>' },
        disposition: 'retain',
        retention: { reason: 'proof of contribution', ground: 'Art. 17(3)(d)' },
      },
    ],
    sources: [
      { name: 'survey', kind: 'csv', status: 'ok', records: 2, durationMs: 1, fingerprint: '', facts },
      { name: 'down', kind: 'csv', status: 'failed', reason: 'cannot read <file>', records: 0, durationMs: 1, fingerprint: '', facts },
    ],
    ...extra,
  };
}

const doc = (data: Record<string, unknown>) =>
  buildExport(discovery(data), { controller: { name: 'Lanternfish <Project>', contact: 'privacy@lanternfish.example', responseDays: 30 }, version: '0.0.0', now: new Date('2024-06-01T00:00:00Z') });

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
  it('renders objects as JSON text and nullish as empty', () => {
    expect(escapeHtml({ a: '<b>' })).toBe('{&quot;a&quot;:&quot;&lt;b&gt;&quot;}');
    expect(escapeHtml(null)).toBe('');
  });
});

describe('toHtml', () => {
  const html = toHtml(doc({ Email: 'ann@example.org', Comments: HOSTILE, [HOSTILE]: 'key too', Submitted: '2024-03-02' }));

  it('contains no markup from the data: hostile values and keys show as text', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/onerror="/);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('Lanternfish &lt;Project&gt;');
    expect(html).toContain('Fix &lt;b&gt;bug&lt;/b&gt;');
  });

  it('is self-contained: a CSP forbidding scripts and network, inline CSS, no external URL', () => {
    expect(html).toContain(`Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).toMatch(/<style>[\s\S]+<\/style>/);
    expect(html).not.toMatch(/<link|src="http|href="http|@import|url\(/i);
  });

  it('states, per source, what is held, why, on what basis, who receives it, how long, and from where', () => {
    for (const label of ['What we hold', 'Why', 'Legal basis', 'Who receives it', 'How long we keep it', 'Where it came from']) expect(html).toContain(label);
    expect(html).toContain('your consent (GDPR Art. 6(1)(a))');
    expect(html).toContain('Venue &lt;b&gt;GmbH&lt;/b&gt;');
    expect(html).toContain('until the report is published');
  });

  it('says which source could not be searched, and why', () => {
    expect(html).toContain('we could not search this source: cannot read &lt;file&gt;');
    expect(html).toMatch(/We could not search [^<]*\(cannot read &lt;file&gt;\): this answer does not cover what it holds\./);
  });

  it('lists retained records with reason and ground, the identities with provenance, and the rights with the contact', () => {
    expect(html).toContain('proof of contribution');
    expect(html).toContain('Art. 17(3)(d)');
    expect(html).toContain('given on the command line');
    expect(html).toContain('supervisory authority');
    expect(html).toContain('href="mailto:privacy@lanternfish.example"');
  });

  it('draws the records over time when they carry dates', () => {
    expect(html).toContain('<svg');
    expect(html).toContain('2024-01: 1 record');
    expect(html).toContain('2024-03: 1 record');
  });
});

describe('timeline', () => {
  it('dates a record by its first date-like field', () => {
    expect(recordMonth({ data: { Name: 'x', Submitted: '2024-05-03T10:00:00Z' } })).toBe('2024-05');
    expect(recordMonth({ data: { Name: 'x' } })).toBeNull();
    expect(recordMonth({ data: { when: '2024-13-01' } })).toBeNull();
  });
  it('has a bar for every month between the first and the last, and nothing without dates', () => {
    const svg = timelineSvg([{ data: { date: '2023-11-02' } }, { data: { date: '2024-02-10' } }, { data: { date: '2024-02-11' } }]);
    expect(svg.match(/<rect /g)).toHaveLength(4); // 2023-11, 12, 2024-01, 02
    expect(svg).toContain('2024-02: 2 records');
    expect(svg).toContain('2023-12: 0 records');
    expect(timelineSvg([{ data: { x: 'y' } }])).toBe('');
  });
});
