// ESM + ts-jest (run with NODE_OPTIONS=--experimental-vm-modules). Relative imports carry a `.js` suffix for NodeNext;
// the mapper strips it so ts-jest resolves the `.ts` source.
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 30000,
};
