/**
 * Internals the package's own cross-process tests drive from child processes. Not a public entry
 * point: it is not in the package's `exports`.
 */
export { FileLocks } from './fs/file-lock.js';
