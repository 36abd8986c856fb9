import { createWorld } from './world.js';

export type { PostgresWorldOptions } from './config.js';
export { loadMigrations, migrate, migrationStatus } from './migrate.js';
export type { PostgresWorld } from './world.js';
export { createWorld };

export default createWorld;
