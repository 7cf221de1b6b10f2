// Text that a regular expression must match literally.

/**
 * `s` with every RegExp syntax character escaped; valid with the `u` flag too (which refuses
 * needless escapes such as `\-`).
 */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
