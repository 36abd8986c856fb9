/**
 * The plumbing every World's command (`worldkit-postgres`, `worldkit-redis`, `worldkit-local`)
 * shares: how it ends and how it reports a usage mistake.
 */

/**
 * Runs a command's `main` on the process arguments: the number it resolves to is the exit code;
 * an error it throws is printed and exits 1. `process.exitCode` (not `process.exit`) lets
 * pending output flush.
 */
export function runCommandLine(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

/** Prints the problem, if any, and the usage to stderr; returns exit code 2. */
export function usageFailure(usage: string, problem?: string): number {
  if (problem !== undefined) console.error(problem);
  console.error(usage);
  return 2;
}
