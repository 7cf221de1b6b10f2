// Retention policy: which records are kept as proof of contribution, and on what ground. Grounds
// cite the law only: what the controller's own privacy statement says is the controller's to write.
import type { PersonalRecord, Retention } from './record.js';

export const CONTRIBUTION_TYPES: ReadonlySet<string> = new Set([
  'commit',
  'signoff',
  'co-author',
  'trailer',
  'mention',
  'pull-request',
  'issue',
  'review',
  'comment',
]);

export const CONTRIBUTION_RETENTION: Retention = {
  reason: 'proof of contribution; integrity of historical project data',
  ground:
    'GDPR Art. 17(3)(d) (archiving, scientific or historical research) and Art. 6(1)(f) ' + '(legitimate interest in an accurate public record of the project)',
};

export const SIGNOFF_RETENTION: Retention = {
  reason: CONTRIBUTION_RETENTION.reason,
  ground: `${CONTRIBUTION_RETENTION.ground}; Developer Certificate of Origin sign-offs are kept indefinitely under the DCO`,
};

export function defaultRetentionFor(type: string): Retention | undefined {
  if (type === 'signoff') return SIGNOFF_RETENTION;
  return CONTRIBUTION_TYPES.has(type) ? CONTRIBUTION_RETENTION : undefined;
}

/**
 * Every record is erased, retained with a reason, or listed as a manual step — never silently
 * dropped. Returns the problem with a record that breaks this, or null.
 */
export function policyViolation(r: PersonalRecord): string | null {
  switch (r.disposition) {
    case 'erase':
      return r.action ? null : 'an erase record must name its action';
    case 'retain':
      return r.retention && r.retention.reason && r.retention.ground ? null : 'a retained record must carry a reason and a ground';
    case 'manual':
      return r.manual ? null : 'a manual record must say the step to take';
    default:
      return `unknown disposition ${String((r as { disposition: unknown }).disposition)}`;
  }
}
