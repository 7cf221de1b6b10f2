// ESM + ts-jest (run with NODE_OPTIONS=--experimental-vm-modules). Relative imports carry a `.js` suffix for NodeNext;
// the mapper strips it so ts-jest resolves the `.ts` source.
// Two projects so each half runs alone (`--selectProjects unit|e2e`, see package.json): unit tests
// import the TypeScript source and need no build; e2e tests run the built CLI (dist/).
import { availableParallelism } from 'node:os';

const shared = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 30000,
};

export default {
  testTimeout: 30000,
  // `npm run test:unit` only: unit tests wait on child processes and files as much as on the CPU,
  // and jest's default (cores - 1) is a single worker on a 2-core machine. e2e and `npm test`
  // (CI) keep the default, so their CLI runs are not squeezed. --maxWorkers still overrides.
  ...(process.env.npm_lifecycle_event === 'test:unit' ? { maxWorkers: Math.max(availableParallelism() - 1, 3) } : {}),
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/__tests__/unit'] },
    { ...shared, displayName: 'e2e', roots: ['<rootDir>/__tests__/e2e'] },
  ],
};
