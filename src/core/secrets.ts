// Every secret the tool holds (an API token, a database password) is registered here when it is
// read. A server may send a secret back — an error body that repeats the Authorization header, a
// driver message that quotes the connection string — so all text on its way to stdout, stderr
// or the state directory passes through redactSecrets first (Output, the journal, the audit
// trail, stored receipts, written files).

const REDACTED = '[secret withheld]';
const held = new Set<string>();
/** Longest first, so a token is replaced before a shorter secret that it contains. */
let spellings: string[] = [];

/** Secrets shorter than this are not searched for: they would redact ordinary words. */
const MIN_LENGTH = 6;

/** Register a secret the tool has read; returns it unchanged. */
export function holdSecret(value: string): string {
  if (value.length < MIN_LENGTH || held.has(value)) return value;
  held.add(value);
  const forms = new Set<string>();
  for (const s of [value, value.trim()]) {
    if (s.length < MIN_LENGTH) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s)); // in a URL or a form body
    forms.add(JSON.stringify(s).slice(1, -1)); // inside a JSON string that was not decoded
  }
  spellings = [...new Set([...spellings, ...forms])].sort((a, b) => b.length - a.length);
  return value;
}

/** The text with every spelling of every held secret replaced. */
export function redactSecrets(text: string): string {
  if (spellings.length === 0) return text;
  let out = text;
  for (const s of spellings) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** For tests: forget every held secret. */
export function forgetSecrets(): void {
  held.clear();
  spellings = [];
}
