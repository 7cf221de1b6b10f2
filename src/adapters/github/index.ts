// Placeholder until the github adapter lands: the kind is known, and refused with a clear message.
import { z } from 'zod';
import type { AdapterFactory, BaseSourceConfig } from '../types.js';

export const githubFactory: AdapterFactory<BaseSourceConfig> = {
  kind: 'github',
  schema: z.never({ error: 'the github adapter is not in this version yet' }) as unknown as AdapterFactory<BaseSourceConfig>['schema'],
  defaults: { categories: [], purpose: [], legalBasis: 'legitimate-interest', recipients: [], retention: '', origin: '' },
  create() {
    throw new Error('the github adapter is not in this version yet');
  },
};
