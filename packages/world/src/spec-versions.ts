/**
 * The newest spec version of a run a Worldkit store holds and appends to. The 4.x line creates
 * runs at 3; the 5.x face at 4 (attributes), 5 (compressed payloads, which a store keeps as the
 * opaque bytes they are), 6 (slot-numbered event ids) and 7 (the sealed log: a reader contract
 * only, see `SPEC_VERSION_SLOT_IDS`). Events of any run are refused beyond it
 * (`RUN_NOT_SUPPORTED`).
 */
export const RUN_SPEC_VERSION_MAX = 7;

/**
 * Runs created at this spec version or later have slot-numbered event ids: `evnt_` and the
 * event's dense 1-based position in its run (`slotEventId`). Every store allocates the slot in
 * the same critical section that commits the event, so a slot is never handed out before its
 * event exists: no write leaves a hole, and no store ever writes the `noop` that spec 7 lets a
 * World seal a hole with. Runs of older versions keep ULID event ids for their whole life.
 */
export const SPEC_VERSION_SLOT_IDS = 6;

/** Whether a run of this spec version numbers its events by slot. */
export function usesSlotEventIds(specVersion: number): boolean {
  return specVersion >= SPEC_VERSION_SLOT_IDS;
}
