import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeWorldConformance } from '@worldkit/world-testing';
import { createWorld } from '../src/index.js';

const builtEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describeWorldConformance({
  name: 'world-local',
  setup() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'world-local-conformance-'));
    return {
      createWorld: (timing) => createWorld({ dataDir, ...timing }),
      processWorld: { module: builtEntry, env: { WORKFLOW_LOCAL_DATA_DIR: dataDir } },
      teardown: () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  },
});
