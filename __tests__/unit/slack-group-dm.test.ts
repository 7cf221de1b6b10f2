// Slack exports with group DMs (mpims.json) and private channels (groups.json): their messages are
// the other participants' record, kept as private conversations (or redacted under
// erase: { messages: redact }), and the other members' messages stay byte for byte.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { slackExportFactory } from '../../src/adapters/slack/index.js';
import { slackSourceSchema } from '../../src/adapters/slack/config.js';
import type { AdapterContext, SourceAdapter } from '../../src/adapters/types.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { stepsFor } from '../../src/core/plan.js';
import { isIdentityLink, type PersonalRecord } from '../../src/core/record.js';

const ctx = (): AdapterContext => ({ signal: new AbortController().signal, log: { info() {}, warn() {} }, stats: {} });
const IVO: Identity = { type: 'email', value: 'ivo@quarry.example' };

let dir: string;
const w = (rel: string, value: unknown) => {
  fs.mkdirSync(path.dirname(path.join(dir, 'ws', rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, 'ws', rel), `${JSON.stringify(value, null, 4)}\n`);
};
const read = (rel: string) => fs.readFileSync(path.join(dir, 'ws', rel), 'utf8');

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-slack-mpim-'));
  w('users.json', [
    { id: 'U10IVO', name: 'ivo', real_name: 'Ivo Stonecutter', profile: { email: 'Ivo@Quarry.example', real_name: 'Ivo Stonecutter', phone: '+1 555 0110' } },
    { id: 'U11PIA', name: 'pia', real_name: 'Pia Marsh', profile: { email: 'pia@quarry.example', real_name: 'Pia Marsh' } },
    { id: 'U12OLU', name: 'olu', real_name: 'Olu Fenn', profile: { email: 'olu@quarry.example', real_name: 'Olu Fenn' } },
  ]);
  w('channels.json', [{ id: 'C1', name: 'general', members: ['U10IVO', 'U11PIA', 'U12OLU'] }]);
  w('groups.json', [{ id: 'G1', name: 'maintainers', members: ['U10IVO', 'U11PIA'] }]);
  w('mpims.json', [{ id: 'G2', name: 'mpdm-ivo--pia--olu-1', members: ['U10IVO', 'U11PIA', 'U12OLU'] }]);
  w('general/2025-02-01.json', [{ type: 'message', user: 'U10IVO', text: 'morning all', ts: '1738400000.000100' }]);
  w('maintainers/2025-02-01.json', [
    { type: 'message', user: 'U11PIA', text: 'release tonight?', ts: '1738400100.000100' },
    { type: 'message', user: 'U10IVO', text: 'yes, after the freeze', ts: '1738400200.000200' },
  ]);
  w('mpdm-ivo--pia--olu-1/2025-02-02.json', [
    { type: 'message', user: 'U12OLU', text: 'lunch, <@U10IVO>?', ts: '1738486800.000100' },
    { type: 'message', user: 'U10IVO', text: 'count me in', ts: '1738486900.000200', thread_ts: '1738486800.000100' },
    { type: 'message', user: 'U11PIA', text: 'me too', ts: '1738487000.000300' },
  ]);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function adapter(messages: 'retain' | 'redact' = 'retain'): SourceAdapter {
  const cfg = slackSourceSchema.parse({ name: 'chat', kind: 'slack-export', path: 'ws', erase: { messages } });
  return slackExportFactory.create(cfg, { configDir: dir, stateDir: path.join(dir, '.state') });
}

async function records(a: SourceAdapter): Promise<PersonalRecord[]> {
  const out: PersonalRecord[] = [];
  for await (const x of a.discover(new IdentityMatcher([IVO]), ctx())) if (!isIdentityLink(x)) out.push(x);
  return out;
}

describe('Slack group DMs and private channels', () => {
  it("classifies each conversation by the export metadata and keeps private ones as the others' record", async () => {
    const rs = await records(adapter());
    const byLocator = new Map(rs.map((r) => [r.locator, r]));
    expect([...byLocator.keys()].sort()).toEqual([
      'channels.json#C1:members',
      'general/2025-02-01.json#1738400000.000100',
      'groups.json#G1:members',
      'maintainers/2025-02-01.json#1738400200.000200',
      'mpdm-ivo--pia--olu-1/2025-02-02.json#1738486800.000100',
      'mpdm-ivo--pia--olu-1/2025-02-02.json#1738486900.000200',
      'mpims.json#G2:members',
      'users.json#U10IVO',
    ]);
    // memberships: the conversation and its kind, never the other members
    expect(byLocator.get('groups.json#G1:members')).toMatchObject({ type: 'chat-membership', disposition: 'retain', data: { channelType: 'private-channel' } });
    expect(byLocator.get('mpims.json#G2:members')!.data).toEqual({
      channel: 'mpdm-ivo--pia--olu-1',
      channelType: 'group-dm',
      event: 'listed as a member in mpims.json',
    });
    const group = byLocator.get('mpdm-ivo--pia--olu-1/2025-02-02.json#1738486900.000200')!;
    expect(group).toMatchObject({
      type: 'chat-message',
      disposition: 'retain',
      data: { channelType: 'group-dm', text: 'count me in', threadTs: '1738486800.000100' },
    });
    expect(group.retention!.reason).toContain('private conversation');
    expect(byLocator.get('maintainers/2025-02-01.json#1738400200.000200')).toMatchObject({ data: { channelType: 'private-channel' } });
    expect(byLocator.get('general/2025-02-01.json#1738400000.000100')!.retention!.reason).toContain('public chat channels');
    // Olu's message that mentions Ivo: the fact, not Olu's words
    const mention = byLocator.get('mpdm-ivo--pia--olu-1/2025-02-02.json#1738486800.000100')!;
    expect(mention.type).toBe('chat-mention');
    expect(JSON.stringify(mention.data)).not.toContain('lunch');
    // nobody else's text anywhere in Ivo's records
    for (const r of rs) expect(JSON.stringify(r.data)).not.toMatch(/release tonight|me too|lunch/);
  });

  it("under redact, erases Ivo's group-DM message and leaves the other members' messages byte for byte", async () => {
    const a = adapter('redact');
    const rs = await records(a);
    const beforeMpim = JSON.parse(read('mpdm-ivo--pia--olu-1/2025-02-02.json')) as Array<Record<string, unknown>>;
    const results = [];
    for await (const r of a.erase!(stepsFor(rs), new IdentityMatcher([IVO]), ctx())) results.push(r);
    expect(results.every((r) => r.status === 'done')).toBe(true);
    const after = JSON.parse(read('mpdm-ivo--pia--olu-1/2025-02-02.json')) as Array<Record<string, unknown>>;
    expect(after).toHaveLength(3);
    expect(after[0]).toEqual(beforeMpim[0]);
    expect(after[2]).toEqual(beforeMpim[2]);
    expect(JSON.stringify(after[1])).not.toContain('count me in');
    expect(read('users.json')).not.toMatch(/Ivo@Quarry|Stonecutter|0110/);
    expect(read('users.json')).toContain('pia@quarry.example');
    // searched again by the account id (the profile no longer gives it): nothing left to erase
    const again: PersonalRecord[] = [];
    for await (const x of adapter('redact').discover(new IdentityMatcher([IVO, { type: 'slack-id', value: 'u10ivo' }]), ctx()))
      if (!isIdentityLink(x)) again.push(x);
    expect(again.filter((r) => r.disposition === 'erase').map((r) => r.locator)).toEqual([]);
  });
});
