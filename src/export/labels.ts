// Words a person can read for what the tool names in codes: categories (`online.handle`), record
// types (`mail-received`), field names (`authorEmail`), structured values (`["Cc"]`) and the
// internal paths in locators. Used by the reply only; the JSON export keeps the codes.

const CATEGORY_LABELS: Record<string, string> = {
  name: 'your name',
  'contact.email': 'e-mail addresses',
  'contact.phone': 'phone numbers',
  'online.handle': 'user names (handles) on online services',
  'online.identifier': 'online identifiers (account and cookie ids)',
  'online.ip-address': 'IP addresses',
  'online.device': 'device and browser details',
  'activity.timestamp': 'dates and times of what you did',
  'activity.web-request': 'pages you requested from our website',
  'activity.web-analytics': 'website usage statistics',
  affiliation: 'employer or organisation',
  'location.address': 'country or address',
  'location.timezone': 'time zone',
  'preference.dietary': 'dietary preference',
  'preference.personal': 'personal preferences (such as a T-shirt size)',
  'preference.language': 'language',
  'professional.title': 'job title',
  'profile.image': 'profile picture',
  'project.role': 'roles in the project',
  'communication.content': 'messages you wrote',
  'communication.metadata': 'who messages went to and when',
  'communication.files': 'files you shared',
  contribution: 'contributions to the project',
  membership: 'memberships',
  account: 'your account',
  consent: 'consents you gave',
  response: 'your answers',
};

const TYPE_LABELS: Record<string, string> = {
  'csv-row': 'Rows in a table',
  'db-row': 'Rows in our database',
  commit: 'Commits you authored or committed',
  signoff: 'Sign-offs on commits',
  'co-author': 'Commits you co-authored',
  trailer: 'Other mentions at the end of commit messages (reviews, tests, acknowledgements)',
  mention: 'Commit messages that name you',
  'people-file-entry': 'Lines in the project’s people files (maintainers, owners)',
  affiliation: 'Affiliation records',
  'mail-post': 'Mailing-list messages you sent',
  'mail-received': 'Mailing-list messages sent to you',
  'chat-profile': 'Your chat profile',
  'chat-profile-copy': 'Copies of your chat profile kept with messages',
  'chat-message': 'Chat messages you wrote',
  'chat-message-copy': 'Copies of your chat messages',
  'chat-mention': 'Chat messages that mention you',
  'chat-membership': 'Chat channels you belong to',
  'chat-reaction': 'Reactions you gave to chat messages',
  'chat-thread': 'Chat threads you took part in',
  'chat-channel-created': 'Chat channels you created',
  'chat-channel-topic': 'Chat channel topics or purposes you set',
  'chat-pin': 'Chat messages you pinned',
  'chat-invitation': 'People you invited to chat channels',
  'chat-file': 'Files you shared in chat',
  'analytics-id': 'Website analytics identifiers',
  'access-log-line': 'Lines in our web server logs',
  'github-member': 'Your membership of our GitHub organisation',
};

const IDENTITY_LABELS: Record<string, string> = {
  email: 'E-mail address',
  github: 'GitHub user name',
  'slack-id': 'Chat account id',
  'ga-client-id': 'Website analytics id',
  ip: 'IP address',
};

function words(code: string): string {
  return code
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[._-]+/g, ' ')
    .toLowerCase()
    .trim();
}

const capitalised = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

export const categoryLabel = (c: string): string => CATEGORY_LABELS[c] ?? words(c);
export const typeLabel = (t: string): string => TYPE_LABELS[t] ?? capitalised(words(t));
export const identityLabel = (t: string): string => IDENTITY_LABELS[t] ?? capitalised(words(t));

/**
 * A field name as a heading: a code (`authorEmail`, `contact_email`) in words; a heading a person
 * wrote (a CSV column such as "How did you start contributing?") as it is.
 */
export function fieldLabel(key: string): string {
  const code = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$/.test(key) || /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/.test(key);
  return code ? capitalised(words(key)) : key;
}

/** A value as text: lists joined, records as "key: value", never raw JSON. */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(valueText).join(', ');
  if (typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${fieldLabel(k)}: ${valueText(x)}`)
      .join('; ');
  return String(v);
}

/** Where a record is, without the directories of the machine it was found on. */
export function publicLocator(locator: string): string {
  // A file path (`dir/x.csv:2`) or an absolute one (`/srv/clones/repo@abc`); `accounts/1` is a table and a key.
  const m = /^(\/[^#:@]*\/|[^#:@]*\/(?=[^/#:@]+\.[A-Za-z0-9]+(?:[#:@]|$)))(.*)$/.exec(locator);
  return m ? m[2]! : locator;
}

/** Why an identity was searched for, in the person's terms. */
export function provenanceText(p: { via: string; source?: string | undefined }): string {
  if (p.via === 'given') return 'you gave it to us';
  return p.source ? `found together with another of your identities in ${p.source}` : 'found together with another of your identities';
}
