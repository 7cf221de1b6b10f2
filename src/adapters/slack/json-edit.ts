// Changes to one element of an export file that leave every byte they do not change as it was
// (jsonc-parser computes the edits on the text, the way an editor would), so that the rest of a
// message — its escapes, its key order, its layout — stays byte for byte.
import { applyEdits, findNodeAtLocation, modify, parseTree, type FormattingOptions, type JSONPath } from 'jsonc-parser';

export type JsonChange =
  /** Set the value at `path`; undefined removes the member or array element. */
  | { path: JSONPath; value: unknown }
  /**
   * Rewrite the string at `path` as it is written (its escapes kept): `literal` gets the JSON
   * string literal, quotes included, and returns the new one.
   */
  | { path: JSONPath; literal: (raw: string) => string };

/** How a value inserted into `text` is laid out: as `text` is (one line, or its indent unit and line end). */
function layoutOf(text: string): FormattingOptions | undefined {
  const nl = text.indexOf('\n');
  if (nl === -1) return undefined; // one line: inserted values are written compactly
  const lines = text.split('\n');
  const last = /^[ \t]*/.exec(lines[lines.length - 1]!)![0]; // the closing bracket's indent: the element's base
  const inner = /^[ \t]*/.exec(lines[1]!)![0];
  const unit = inner.startsWith(last) && inner.length > last.length ? inner.slice(last.length) : '    ';
  return { insertSpaces: !unit.includes('\t'), tabSize: unit.includes('\t') ? 1 : unit.length, eol: text[nl - 1] === '\r' ? '\r\n' : '\n' };
}

/** `text` (one JSON value) with `changes` made, in order. */
export function editJson(text: string, changes: readonly JsonChange[]): string {
  const formattingOptions = layoutOf(text);
  let out = text;
  for (const c of changes) {
    if ('literal' in c) {
      const node = findNodeAtLocation(parseTree(out)!, c.path);
      if (node?.type !== 'string') continue;
      out = applyEdits(out, [{ offset: node.offset, length: node.length, content: c.literal(out.slice(node.offset, node.offset + node.length)) }]);
    } else out = applyEdits(out, modify(out, c.path, c.value, formattingOptions ? { formattingOptions } : {}));
  }
  return out;
}
