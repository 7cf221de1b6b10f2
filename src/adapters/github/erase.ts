// Carrying out the GitHub steps of a plan: team memberships and invitations first, then the
// organisation membership; each idempotent, each only for one of the subject's identities.
import type { IdentityMatcher } from '../../core/identity.js';
import type { AdapterContext, ErasureStep, StepResult } from '../types.js';
import { statusOf, type GithubClient } from './client.js';
import type { GithubSourceConfig } from './config.js';

export async function* eraseSteps(
  gh: GithubClient,
  cfg: GithubSourceConfig,
  steps: ErasureStep[],
  subject: IdentityMatcher,
  ctx: AdapterContext,
): AsyncIterable<StepResult> {
  const org = cfg.org;
  // Team memberships and invitations first: removing someone from the org ends those anyway.
  const order = (s: ErasureStep) => (s.params['kind'] === 'org-member' ? 1 : 0);
  for (const step of [...steps].sort((a, b) => order(a) - order(b))) {
    ctx.signal.throwIfAborted();
    const p = step.params;
    const login = typeof p['login'] === 'string' ? p['login'] : '';
    const email = typeof p['email'] === 'string' ? p['email'] : '';
    // A plan is a file and a file can be edited: act only on the subject's own identities.
    const mine = (login && subject.matchCell('github', login) !== null) || (email && subject.matchCell('email', email) !== null);
    if (!mine || !cfg.erase.removeFromOrg) {
      yield {
        stepId: step.id,
        status: 'failed',
        detail: !mine ? "the step does not name one of the subject's identities" : 'erase.removeFromOrg is not true for this source',
      };
      continue;
    }
    const remove = async (route: string, params: Record<string, unknown>): Promise<'done' | 'gone'> => {
      try {
        await gh.request(route, { org, ...params });
        return 'done';
      } catch (err) {
        if (statusOf(err) === 404) return 'gone';
        throw gh.mapError(err, `the request ${route.replace('{org}', org)}`, 'admin:org');
      }
    };
    let status: 'done' | 'gone';
    switch (p['kind']) {
      case 'org-member': {
        // Ask first, so a re-run (or a replayed plan) never removes twice.
        let still;
        try {
          still = await gh.optional('GET /orgs/{org}/memberships/{username}', { org, username: login });
        } catch (err) {
          throw gh.mapError(err, `the organisation membership in ${org}`, 'admin:org');
        }
        status = still ? await remove('DELETE /orgs/{org}/members/{username}', { username: login }) : 'gone';
        break;
      }
      case 'team-member':
        status = await remove('DELETE /orgs/{org}/teams/{team_slug}/memberships/{username}', { team_slug: p['team'], username: login });
        break;
      case 'invitation':
        status = await remove('DELETE /orgs/{org}/invitations/{invitation_id}', { invitation_id: p['id'] });
        break;
      case 'outside-collaborator':
        status = await remove('DELETE /orgs/{org}/outside_collaborators/{username}', { username: login });
        break;
      default:
        yield { stepId: step.id, status: 'failed', detail: `unknown github erasure ${String(p['kind'])}` };
        continue;
    }
    yield { stepId: step.id, status };
  }
}
