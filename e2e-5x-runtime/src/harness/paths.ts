import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package directory: the app's working directory, where `wf build` writes its bundles. */
export const appDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const serverEntry = path.join(appDirectory, 'src', 'app', 'server.ts');
export const bumpCountingWorldEntry = path.join(
  appDirectory,
  'src',
  'app',
  'bump-counting-world.ts',
);
