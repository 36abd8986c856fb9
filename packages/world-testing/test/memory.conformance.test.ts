import { createMemoryBackend, createMemoryWorld, describeWorldConformance } from '../src/index.js';

// The reference World passes every area that applies to it.
describeWorldConformance({
  name: 'memory',
  setup: () => {
    const backend = createMemoryBackend({ retryDelayMs: 10 });
    return { createWorld: () => createMemoryWorld({ backend }) };
  },
});
