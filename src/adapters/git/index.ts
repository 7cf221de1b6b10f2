// Placeholder until the git adapter lands: the kind is known, and refused with a clear message.
import { z } from 'zod';
import type { AdapterFactory, BaseSourceConfig } from '../types.js';

export const gitFactory: AdapterFactory<BaseSourceConfig> = {
  kind: 'git',
  schema: z.never({ error: 'the git adapter is not in this version yet' }) as unknown as AdapterFactory<BaseSourceConfig>['schema'],
  defaults: { categories: [], purpose: [], legalBasis: 'legitimate-interest', recipients: [], retention: '', origin: '' },
  create() {
    throw new Error('the git adapter is not in this version yet');
  },
};
