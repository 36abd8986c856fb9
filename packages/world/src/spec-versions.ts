/**
 * The newest spec version of a run a Worldkit store holds and appends to: the 4.x line creates
 * runs at 3; the 5.x face at 4 (attributes) and 5 (compressed payloads, which a store keeps as the
 * opaque bytes they are). Events of any run are refused beyond it (`RUN_NOT_SUPPORTED`).
 */
export const RUN_SPEC_VERSION_MAX = 5;
