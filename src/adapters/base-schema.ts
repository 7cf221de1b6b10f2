// Keys every source accepts: its name, its kind, the Art. 15 facts, and how the run treats it.
import { z } from 'zod';

export const sourceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dots, dashes or underscores');

export const art15Keys = {
  name: sourceName,
  categories: z.array(z.string().min(1)).optional(),
  purpose: z.array(z.string().min(1)).optional(),
  legalBasis: z.enum(['consent', 'contract', 'legal-obligation', 'legitimate-interest']).optional(),
  recipients: z.array(z.string()).optional(),
  retention: z.string().min(1).optional(),
  origin: z.string().min(1).optional(),
  /** Art. 15(2): transfers outside the EU/EEA and their safeguards, or "none". */
  transfers: z.string().min(1).optional(),
  /**
   * A source that may go unsearched (no token set) without making the run partial. It is still
   * named, with the reason, in every output.
   */
  optional: z.boolean().optional(),
  /** Rewrite this source's files even when their mode makes them read-only (0444). */
  rewriteReadOnly: z.boolean().optional(),
};
