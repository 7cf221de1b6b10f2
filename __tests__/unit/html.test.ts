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
      {
        source: 'survey',
        type: 'csv-row',
        locator: 'survey.csv:2',
        matched: [{ type: 'email', value: 'ann@example.org', field: 'Email' }],
        categories: ['contact.email'],
        data,
        disposition: 'erase',
        action: 'delete-row',
      },
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
  buildExport(discovery(data), {
    controller: { name: 'Lanternfish <Project>', contact: 'privacy@lanternfish.example', responseDays: 30 },
    version: '0.0.0',
    now: new Date('2024-06-01T00:00:00Z'),
  });

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

  it('says which source could not be searched, without the operator reason (paths, tokens)', () => {
    expect(html).toContain('we could not search this source at this time');
    expect(html).toMatch(/We could not search down at this time: this answer does not cover what it holds\./);
    expect(html).not.toContain('cannot read');
  });

  it('lists retained records with reason and ground, the identities with provenance, and the rights with the contact', () => {
    expect(html).toContain('proof of contribution');
    expect(html).toContain('Art. 17(3)(d)');
    expect(html).toContain('you gave it to us');
    expect(html).not.toContain('given on the command line');
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

describe('the reply states only what the controller wrote, in words a person reads', () => {
  const controller = { name: 'Lanternfish', contact: 'privacy@lanternfish.example' };
  const base = (facts: Record<string, unknown>, records: Discovery['records']): Discovery => ({
    identities: [{ type: 'email', value: 'ann@example.org', provenance: { via: 'given', reason: 'given on the command line' } }],
    candidates: [],
    records,
    sources: [
      { name: 'repo', kind: 'git', status: 'ok', records: records.length, durationMs: 1, fingerprint: '', facts },
      { name: 'empty', kind: 'csv', status: 'ok', records: 0, durationMs: 1, fingerprint: '', facts: {} },
      {
        name: 'gh',
        kind: 'github',
        status: 'skipped',
        skip: 'unavailable',
        reason: 'no token: set PRIVACYCTL_TOKEN',
        records: 0,
        durationMs: 1,
        fingerprint: '',
        facts: {},
      },
    ],
  });
  const commit: Discovery['records'][number] = {
    source: 'repo',
    type: 'commit',
    locator: '/srv/clones/repo@abc',
    matched: [],
    categories: ['online.handle', 'contact.email'],
    data: { authorEmail: 'ann@example.org', headers: ['Cc'], copyOf: { channel: 'general' } },
    disposition: 'retain',
    retention: { reason: 'proof of contribution', ground: 'Art. 17(3)(d)', hint: 'the source can be set to erase: redact' },
  };
  const manual: Discovery['records'][number] = {
    ...commit,
    type: 'people-file-entry',
    locator: 'fixtures/x/people.csv:4',
    disposition: 'manual',
    manual: 'in repository repo, delete line 4 of OWNERS, then commit',
    retention: undefined,
  };

  it('says "not stated" for a fact the config leaves out, and invents none', () => {
    const doc = buildExport(base({ purpose: ['attribution'] }, [commit]), { controller, version: 'x', now: new Date('2024-06-01T00:00:00Z') });
    expect(doc.sources[0]!.missingFacts).toEqual(['legalBasis', 'recipients', 'retention', 'origin', 'transfers']);
    expect(doc.missingFacts).toEqual(['supervisoryAuthority', 'automatedDecisions']);
    const html = toHtml(doc);
    expect(html).toContain('<dt>Legal basis</dt><dd><em>not stated</em></dd>');
    expect(html).toContain('<dt>Transfers outside the EU/EEA</dt><dd><em>not stated</em></dd>');
    expect(html).not.toMatch(/your consent \(GDPR|our legitimate interest \(Art\. 6/);
    expect(html).toContain('<h2>Automated decisions and profiling</h2>\n<p><em>not stated</em></p>');
    expect(html).toContain('The authority responsible for us: <em>not stated</em>');
  });

  it('shows the transfers, the automated decisions and the supervisory authority the config states', () => {
    const c = {
      ...controller,
      automatedDecisions: 'none, and no profiling',
      supervisoryAuthority: { name: 'Harbour DPA', address: '1 Quay, Lanternport', url: 'https://dpa.example' },
      privacyStatement: 'https://lanternfish.example/privacy',
    };
    const html = toHtml(
      buildExport(base({ transfers: 'to Example Inc. in the United States, under standard contractual clauses' }, [commit]), { controller: c, version: 'x' }),
    );
    expect(html).toContain('to Example Inc. in the United States, under standard contractual clauses');
    expect(html).toContain('none, and no profiling');
    expect(html).toContain('Harbour DPA, 1 Quay, Lanternport (<a href="https://dpa.example">https://dpa.example</a>)');
    expect(html).toContain('Our privacy statement: <a href="https://lanternfish.example/privacy">');
  });

  it('uses labels, never codes, raw JSON, machine paths or operator instructions', () => {
    const html = toHtml(buildExport(base({}, [commit, manual]), { controller, version: 'x' }));
    for (const jargon of [
      'online.handle',
      'contact.email',
      '>commit<',
      'people-file-entry',
      'authorEmail',
      '["Cc"]',
      '{"channel"',
      '/srv/clones',
      'fixtures/x',
      'delete line 4',
      'can be set to erase',
      'PRIVACYCTL_TOKEN',
      '(git)',
    ]) {
      expect(html).not.toContain(jargon);
    }
    expect(html).toContain('user names (handles) on online services');
    expect(html).toContain('Commits you authored or committed');
    expect(html).toContain('<th scope="col">Author email</th>');
    expect(html).toContain('<td>Cc</td>');
    expect(html).toContain('<th scope="col">Copy of</th>');
    expect(html).toContain('<td>Channel: general</td>');
    expect(html).toContain('people.csv:4');
  });

  it('makes no "What we hold" claim for a source where nothing was found', () => {
    const html = toHtml(buildExport(base({ purpose: ['x'] }, [commit]), { controller, version: 'x' }));
    const empty = html.slice(html.indexOf('<h3>empty</h3>'), html.indexOf('<h3>gh</h3>'));
    expect(empty).toContain('we found nothing about you here');
    expect(empty).not.toContain('What we hold');
  });

  it('names the receipt date and the due date only for a request recorded in the ledger', () => {
    const adhoc = toHtml(buildExport(base({}, [commit]), { controller, version: 'x', now: new Date('2024-06-01T00:00:00Z') }));
    expect(adhoc).toContain('Prepared 2024-06-01.</p>');
    expect(adhoc).not.toContain('received');
    const recorded = toHtml(
      buildExport(base({}, [commit]), {
        controller,
        version: 'x',
        now: new Date('2024-06-01T00:00:00Z'),
        request: { id: 'REQ-7', type: 'portability', received: '2024-05-20T09:00:00.000Z', deadline: '2024-06-20T23:59:59.999Z' },
      }),
    );
    expect(recorded).toContain('in answer to your data portability request REQ-7, received 2024-05-20; the answer is due by 2024-06-20.');
  });
});
