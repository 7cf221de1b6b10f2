// `grep -a` on an SQLite database and the files SQLite keeps beside it: which of an erased row's
// values can still be read from the bytes on disk (free pages, freed cells, the write-ahead log,
// a persisted rollback journal).
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** The database file and its -wal / -journal, those that exist. */
export function sqliteFiles(db: string): string[] {
  return [db, `${db}-wal`, `${db}-journal`].filter((f) => existsSync(f));
}

/**
 * Each pattern found in the raw bytes of `db` or its -wal / -journal, as `file: pattern`. Patterns
 * are regular expressions over the bytes read as latin1 (so a lookahead can tell an erased value
 * from another person's longer one).
 */
export function leftoverBytes(db: string, patterns: RegExp[]): string[] {
  const found: string[] = [];
  for (const file of sqliteFiles(db)) {
    const bytes = readFileSync(file).toString('latin1');
    for (const p of patterns) if (p.test(bytes)) found.push(`${basename(file)}: ${p.source}`);
  }
  return found;
}
