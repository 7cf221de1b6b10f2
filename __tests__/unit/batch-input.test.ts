// The batch input formats, and validation that names the line and never the rejected value.
import { describe, expect, it } from '@jest/globals';
import { parseBatchInput } from '../../src/core/batch-input.js';

describe('batch input: CSV', () => {
  it('reads type,email,github,request_id in any column order, several addresses to a cell', () => {
    const input = parseBatchInput(
      'request_id,github,type,email\nr1,,access,Ann@Example.ORG\nr2,@BoTr,erasure,"bo@lanternfish.example; b.o@lanternfish.example"\n',
    );
    expect(input.format).toBe('csv');
    expect(input.invalid).toEqual([]);
    expect(input.requests).toEqual([
      { line: 2, type: 'access', requestId: 'r1', identities: [{ type: 'email', value: 'ann@example.org' }] },
      {
        line: 3,
        type: 'erasure',
        requestId: 'r2',
        identities: [
          { type: 'email', value: 'bo@lanternfish.example' },
          { type: 'email', value: 'b.o@lanternfish.example' },
          { type: 'github', value: 'botr' },
        ],
      },
    ]);
  });

  it('reports bad rows by the line they start on, without echoing the value', () => {
    const text =
      'type,email,github,request_id\naccess,"ann@example.org",,"a\nb"\ndelete,dana@example.com,,\nerasure,not-an-address,,\naccess,,,r9\naccess,zoe@example.net,,ok-1\n';
    const input = parseBatchInput(text);
    expect(input.requests.map((r) => r.line)).toEqual([7]);
    expect(input.invalid).toEqual([
      { line: 2, reason: expect.stringContaining('request id') },
      { line: 4, reason: 'request type must be access, portability or erasure' },
      { line: 5, reason: 'an email is not a valid address' },
      { line: 6, requestId: 'r9', reason: expect.stringContaining('no identity') },
    ]);
    expect(JSON.stringify(input.invalid)).not.toContain('not-an-address');
  });

  it('refuses a header without the type column, and a repeated request id', () => {
    expect(parseBatchInput('kind,email\naccess,ann@example.org\n').invalid[0]!.reason).toContain('header');
    const dup = parseBatchInput('type,email,request_id\naccess,ann@example.org,x\nerasure,bo@lanternfish.example,x\n');
    expect(dup.requests).toHaveLength(1);
    expect(dup.invalid).toEqual([{ line: 3, requestId: 'x', reason: 'request id repeats the one on line 2' }]);
  });

  it('refuses request ids that would escape the output directory', () => {
    for (const id of ['../etc', '.hidden', 'a/b', 'x'.repeat(200)]) {
      const input = parseBatchInput(`type,email,request_id\naccess,ann@example.org,${id}\n`);
      expect(input.requests).toEqual([]);
      expect(input.invalid[0]!.reason).toContain('request id');
    }
  });
});

describe('batch input: column names and ledger requests', () => {
  it('reads header names whatever their case and spacing, and refuses unknown columns (a dropped id would go unnoticed)', () => {
    const input = parseBatchInput('Type,E-mail,GitHub,Request ID\naccess,ann@example.org,,r1\n'.replace('E-mail', 'Email'));
    expect(input.requests).toEqual([{ line: 2, type: 'access', requestId: 'r1', identities: [{ type: 'email', value: 'ann@example.org' }] }]);
    const bad = parseBatchInput('type,email,ticket\naccess,ann@example.org,T-1\n');
    expect(bad.requests).toEqual([]);
    expect(bad.invalid).toEqual([{ line: 1, reason: 'unknown column "ticket" in the CSV header (the columns are type, email, github, request_id)' }]);
  });

  it('a line naming a ledger request takes the type and identities it does not give', () => {
    const ledger = new Map([
      [
        'R-20261201-1',
        {
          type: 'erasure',
          identities: [
            { type: 'email', value: 'ann@example.org' },
            { type: 'github', value: 'ann-example' },
          ],
        },
      ],
      ['R-20261201-2', { type: 'access', identities: null }],
      ['R-20261201-3', { type: 'rectification', identities: [{ type: 'email', value: 'bo@lanternfish.example' }] }],
    ]);
    const input = parseBatchInput(
      '{"request_id":"R-20261201-1"}\n{"request_id":"R-20261201-2"}\n{"request_id":"R-20261201-1","type":"access"}\n{"request_id":"R-20261201-3"}\n',
      (id) => ledger.get(id),
    );
    expect(input.requests).toEqual([
      {
        line: 1,
        type: 'erasure',
        requestId: 'R-20261201-1',
        identities: [
          { type: 'email', value: 'ann@example.org' },
          { type: 'github', value: 'ann-example' },
        ],
      },
    ]);
    expect(input.invalid.map((i) => [i.line, i.reason])).toEqual([
      [2, "the ledger request's identities were forgotten (it is closed); give them on the line"],
      [3, "request type differs from the ledger request's (erasure)"],
      [4, 'request type must be access, portability or erasure'],
    ]);
  });
});

describe('batch input: NDJSON and OpenDSR', () => {
  it('reads one object a line, with a bad line reported by number', () => {
    const input = parseBatchInput(
      '{"type":"access","email":["ann@example.org"],"github":"ann-example","request_id":"q1"}\n\n{"type":"portability"\n{"type":"erasure","github":"botr"}\n',
    );
    expect(input.format).toBe('ndjson');
    expect(input.requests.map((r) => [r.line, r.type, r.identities.length])).toEqual([
      [1, 'access', 2],
      [4, 'erasure', 1],
    ]);
    expect(input.invalid).toEqual([{ line: 3, reason: expect.stringContaining('not a JSON object') }]);
  });

  it('reads OpenDSR 2.0 requests (one object, or an array) with the github extension type', () => {
    const one = {
      api_version: '2.0',
      subject_request_id: 'a7551968-d5d6-44b2-9831-815ac9017798',
      subject_request_type: 'erasure',
      submitted_time: '2026-11-01T10:00:00Z',
      subject_identities: [
        { identity_type: 'email', identity_value: 'bo@lanternfish.example', identity_format: 'raw' },
        { identity_type: 'github', identity_value: 'botr', identity_format: 'raw' },
      ],
    };
    const single = parseBatchInput(JSON.stringify(one, null, 2));
    expect(single.format).toBe('opendsr');
    expect(single.requests).toEqual([
      {
        line: 1,
        type: 'erasure',
        requestId: one.subject_request_id,
        identities: [
          { type: 'email', value: 'bo@lanternfish.example' },
          { type: 'github', value: 'botr' },
        ],
      },
    ]);
    const two = {
      ...one,
      subject_request_id: 'r-2',
      subject_request_type: 'access',
      subject_identities: [{ identity_type: 'phone', identity_value: '+1', identity_format: 'raw' }],
    };
    const arr = parseBatchInput(JSON.stringify([one, two], null, 2));
    expect(arr.requests).toHaveLength(1);
    // the second element starts on the line after the first one's closing brace
    const lines = JSON.stringify([one, two], null, 2).split('\n');
    const secondStart = lines.findIndex((l, i) => i > 0 && l === '  {' && lines.slice(0, i).some((x) => x === '  },')) + 1;
    expect(arr.invalid).toEqual([{ line: secondStart, requestId: 'r-2', reason: 'identity_type must be email or github' }]);
  });

  it('refuses hashed OpenDSR identities: they cannot be searched for', () => {
    const r = parseBatchInput(
      JSON.stringify({ subject_request_type: 'access', subject_identities: [{ identity_type: 'email', identity_value: 'ab12', identity_format: 'sha256' }] }),
    );
    expect(r.invalid[0]!.reason).toContain('raw');
  });

  it('an empty input holds no request', () => {
    expect(parseBatchInput('  \n')).toEqual({ format: 'csv', requests: [], invalid: [] });
  });
});
