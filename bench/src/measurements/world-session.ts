import type { OpenedWorld, Subject, WorldSubject } from '../subjects/types.js';
import type { MeasurementContext, Session } from './types.js';

export const worldsOnly = (subject: Subject): string | undefined =>
  subject.kind === 'world' ? undefined : 'not a World';

/**
 * Opens a fresh isolated instance of a World subject, runs `setup` on it, and returns a session
 * whose close also closes the World and removes its data, even when setup fails.
 */
export async function worldSession(
  subject: Subject,
  context: MeasurementContext,
  setup: (opened: OpenedWorld) => Promise<Omit<Session, 'close'> & { close?(): Promise<void> }>,
  openOptions: { queueBaseUrl?: string } = {},
): Promise<Session> {
  const opened = await (subject as WorldSubject).open({ label: context.label, ...openOptions });
  try {
    const session = await setup(opened);
    return {
      sample: () => session.sample(),
      async close() {
        try {
          await session.close?.();
        } finally {
          await opened.close();
        }
      },
    };
  } catch (error) {
    await opened.close().catch(() => {});
    throw error;
  }
}
