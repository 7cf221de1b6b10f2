// Keys every source accepts (DESIGN.md section 2): its name, its kind, and the Art. 15 facts.
import { z } from 'zod';

export const sourceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dots, dashes or underscores');

export const art15Keys = {
  name: sourceName,
  categories: z.array(z.string().min(1)).optional(),
  purpose: z.array(z.string().min(1)).optional(),
  legalBasis: z.enum(['consent', 'contract', 'legal-obligation', 'legitimate-interest']).optional(),
  recipients: z.array(z.string()).optional(),
  retention: z.string().min(1).optional(),
  origin: z.string().min(1).optional(),
};
