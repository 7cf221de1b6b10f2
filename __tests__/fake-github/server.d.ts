// Types for server.js (plain JavaScript so that bench/github.js runs it without a build).
import type { Server } from 'node:http';

export interface Fault {
  method?: string;
  path: string | RegExp;
  /** Only requests whose search query (`q`) matches. */
  query?: RegExp;
  times?: number;
  status: number;
  headers?: Record<string, string | (() => string)>;
  body?: unknown;
}

export interface LoggedResponse {
  method: string;
  route: string;
  status: number;
  body: unknown;
}

export declare function simpleUser(base: string, login: string, id: number): Record<string, unknown>;
export declare function demoWorld(): any;

export declare class FakeGitHub {
  /** tokens: an organisation owner's; memberTokens: a member's who is not an owner (default `member-token`). */
  constructor(world: any, opts?: { latencyMs?: number; tokens?: string[]; memberTokens?: string[]; scopes?: string; keepLog?: boolean });
  world: any;
  base: string;
  server: Server;
  latencyMs: number;
  scopes: string;
  requests: number;
  calls: Map<string, number>;
  log: LoggedResponse[];
  faults: Fault[];
  start(): Promise<string>;
  stop(): Promise<void>;
  count(method: string, path: string): number;
  fault(f: Fault): void;
  /** A search result item for an issue of the world, as GitHub writes it (`pull_request` only on pull requests). */
  issueItem(issue: any): Record<string, unknown>;
}
