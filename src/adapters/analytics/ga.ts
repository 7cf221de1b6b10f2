// The Google Analytics User Deletion API (userDeletionRequests:upsert): one POST per id. The API
// upserts, so sending a request again is harmless (idempotent). 401/403 are AuthErrors; 429 and
// 5xx are retried with back-off (Retry-After honoured) and then reported as a failed step.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { AuthError, SourceError, errorMessage } from '../../core/errors.js';
import { holdSecret } from '../../core/secrets.js';
import type { GaConfig } from './config.js';
import { sleep } from '../../core/sleep.js';

export interface DeletionResult {
  ok: boolean;
  /** The API's deletionRequestTime, or why it failed. */
  detail: string;
}

/** The token, or undefined when none is configured or the variable/file is missing. */
export function readGaToken(ga: GaConfig, configDir: string): string | undefined {
  if (ga.tokenEnv) {
    const v = process.env[ga.tokenEnv]?.trim();
    return v ? holdSecret(v) : undefined;
  }
  if (ga.tokenFile) {
    const p =
      ga.tokenFile === '~' || ga.tokenFile.startsWith('~/')
        ? join(homedir(), ga.tokenFile.slice(1))
        : isAbsolute(ga.tokenFile)
          ? ga.tokenFile
          : resolve(configDir, ga.tokenFile);
    try {
      const v = readFileSync(p, 'utf8').trim();
      return v ? holdSecret(v) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The id as the API wants it: a `_ga` cookie value (GA1.2.<client id>) gives its client id. */
export function gaApiId(value: string): string {
  const m = /^ga\d+\.\d+\.(\d+\.\d+)$/i.exec(value.trim());
  return m ? m[1]! : value.trim();
}

export function deletionBody(ga: GaConfig, id: string): Record<string, unknown> {
  return {
    kind: 'analytics#userDeletionRequest',
    id: { type: ga.idType, userId: gaApiId(id) },
    ...(ga.propertyId ? { propertyId: ga.propertyId } : { webPropertyId: ga.webPropertyId }),
  };
}

function retryAfterMs(header: string | null, fallback: number): number {
  if (!header) return fallback;
  const secs = Number(header);
  if (Number.isFinite(secs) && secs >= 0) return Math.min(secs * 1000, 120_000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? fallback : Math.min(Math.max(at - Date.now(), 0), 120_000);
}

/** Send one deletion request. Throws AuthError on 401/403; returns ok:false on anything else that fails. */
export async function requestDeletion(ga: GaConfig, token: string, id: string, signal: AbortSignal, stats: Record<string, number>): Promise<DeletionResult> {
  const body = JSON.stringify(deletionBody(ga, id));
  let delay = ga.retryDelayMs;
  for (let attempt = 0; ; attempt++) {
    stats['gaRequests'] = (stats['gaRequests'] ?? 0) + 1;
    let res: Response;
    try {
      res = await fetch(ga.endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(ga.timeoutSeconds * 1000)]),
      });
    } catch (err) {
      if (signal.aborted) throw err;
      if (attempt < ga.maxRetries) {
        await sleep(delay, signal);
        delay *= 2;
        continue;
      }
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new SourceError(
        `Google Analytics deletion endpoint ${new URL(ga.endpoint).host}: no answer (${cause ?? errorMessage(err)})`,
        'check the network, or ga.endpoint in the config; re-run to retry (the request is idempotent)',
      );
    }
    const text = await res.text().catch(() => '');
    if (res.ok) {
      let json: { deletionRequestTime?: string } = {};
      try {
        json = JSON.parse(text) as typeof json;
      } catch {
        // an answer without a body still means the request was accepted
      }
      return { ok: true, detail: json.deletionRequestTime ? `deletionRequestTime ${json.deletionRequestTime}` : `accepted (HTTP ${res.status})` };
    }
    if (res.status === 401 || res.status === 403) {
      throw new AuthError(
        `Google Analytics refused the token (HTTP ${res.status})`,
        `renew the OAuth token (scope analytics.user.deletion) in ${ga.tokenEnv ? `$${ga.tokenEnv}` : ga.tokenFile}; nothing was deleted`,
      );
    }
    if ((res.status === 429 || res.status >= 500) && attempt < ga.maxRetries) {
      stats['gaRetries'] = (stats['gaRetries'] ?? 0) + 1;
      await sleep(retryAfterMs(res.headers.get('retry-after'), delay), signal);
      delay *= 2;
      continue;
    }
    let why = `HTTP ${res.status}`;
    try {
      const msg = (JSON.parse(text) as { error?: { message?: string } }).error?.message;
      if (msg) why += `: ${msg.slice(0, 200)}`;
    } catch {
      // not JSON
    }
    return { ok: false, detail: `${why}${res.status === 429 || res.status >= 500 ? ` (after ${attempt + 1} attempts; re-run to retry)` : ''}` };
  }
}
