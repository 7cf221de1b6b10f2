// The shapes of a Slack workspace export that the adapter reads, and small facts about them.
import { createHash } from 'node:crypto';
import type { ElementRange } from './json-array.js';

export type ChannelType = 'channel' | 'private-channel' | 'dm' | 'group-dm';

/** A conversation folder of the export, typed by the metadata file that lists it. */
export interface Folder {
  name: string;
  type: ChannelType;
}

export interface SlackUser {
  id: string;
  name?: string;
  deleted?: boolean;
  real_name?: string;
  tz?: string;
  tz_label?: string;
  team_id?: string;
  is_bot?: boolean;
  profile?: Record<string, unknown>;
}

export interface SlackFile {
  id?: string;
  name?: string;
  title?: string;
  mimetype?: string;
  filetype?: string;
  size?: number;
  user?: string;
  reactions?: SlackReaction[];
}

export interface SlackReaction {
  name?: string;
  users?: unknown;
  count?: number;
}

export interface SlackMessage {
  type?: string;
  subtype?: string;
  user?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  edited?: { ts?: string };
  files?: SlackFile[];
  /** The legacy singular file of an upload (`file_share`) or of a comment on one (`file_comment`). */
  file?: SlackFile;
  blocks?: unknown;
  [k: string]: unknown;
}

export const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.json$/;
/** The name a redacted account gets in users.json. */
export const REDACTED_NAME = 'redacted-user';

/** An account this tool has redacted: nothing personal is left in it. */
export function isRedacted(user: SlackUser): boolean {
  return user.name === REDACTED_NAME && !user.profile?.['email'];
}

/** `folder/YYYY-MM-DD.json`, and nothing that could leave the export folder. */
export function isDayFilePath(rel: string): boolean {
  const parts = rel.split('/');
  return parts.length === 2 && parts[0] !== '' && parts[0] !== '.' && parts[0] !== '..' && DAY_FILE.test(parts[1]!);
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A Slack timestamp ("1704704400.000100", or seconds as a number) as an ISO date, or ''. */
export function tsToIso(ts: unknown): string {
  const n = Number(ts);
  return Number.isFinite(n) && n > 0 ? new Date(Math.round(n * 1000)).toISOString() : '';
}

/** The index of the element that holds byte `pos` (the last one that starts at or before it). */
export function elementAt(elements: ElementRange[], pos: number): number {
  let lo = 0;
  let hi = elements.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (elements[mid]!.start <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
