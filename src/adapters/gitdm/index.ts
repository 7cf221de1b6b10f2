// Placeholder until the gitdm adapter lands: the kind is known, and refused with a clear message.
import { z } from 'zod';
import type { AdapterFactory, BaseSourceConfig } from '../types.js';

export const gitdmFactory: AdapterFactory<BaseSourceConfig> = {
  kind: 'gitdm',
  schema: z.never({ error: 'the gitdm adapter is not in this version yet' }) as unknown as AdapterFactory<BaseSourceConfig>['schema'],
  defaults: { categories: [], purpose: [], legalBasis: 'legitimate-interest', recipients: [], retention: '', origin: '' },
  create() {
    throw new Error('the gitdm adapter is not in this version yet');
  },
};
