import { Encoder } from 'cbor-x';

/**
 * The binary storage codec: CBOR, which keeps `Uint8Array` payloads byte-exact, `Date`s to the
 * millisecond, `undefined`, and nested objects. Records (cbor-x's schema-sharing extension) stay
 * off so stored bytes never depend on encoder state; decoded byte strings are fresh copies, never
 * views into the input buffer.
 */
const cbor = new Encoder({ useRecords: false, mapsAsObjects: true, copyBuffers: true });

export function encodeBinary(value: unknown): Uint8Array {
  return cbor.encode(value);
}

export function decodeBinary<T = unknown>(bytes: Uint8Array): T {
  return cbor.decode(bytes) as T;
}
