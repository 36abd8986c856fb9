/**
 * How the runs journal writes a workflow name beside a run's id: percent-encoded where it holds
 * `%` or a line break, so a `+` line stays one line whatever the name.
 */

/** The journal line's form of a workflow name: one line, whatever the name holds. */
export function encodeWorkflowName(workflowName: string): string {
  return workflowName.replaceAll('%', '%25').replaceAll('\n', '%0A').replaceAll('\r', '%0D');
}

/** The workflow name a journal line holds. */
export function decodeWorkflowName(encoded: string): string {
  return encoded.includes('%') ? decodeURIComponent(encoded) : encoded;
}
