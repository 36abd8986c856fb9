/** What a failure says, for a progress line or a report: an Error's message, anything else as text. */
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
