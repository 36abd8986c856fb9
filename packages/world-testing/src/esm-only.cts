// What `require('@worldkit/world-testing')` loads. The suite registers its cases with vitest's
// `describe` and `test`, and vitest refuses to be loaded by `require()`, so there is no CommonJS
// build of it to give: say what works instead of Node's bare ERR_PACKAGE_PATH_NOT_EXPORTED.
throw new Error(
  "@worldkit/world-testing is ESM only: load it with `import { describeWorldConformance } from '@worldkit/world-testing'` (or `await import()` from CommonJS), because the suite runs on vitest, which cannot be loaded with require(). The in-memory World works with require: `require('@worldkit/world-testing/memory')`.",
);
