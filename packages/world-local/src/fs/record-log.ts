import { crc32 } from 'node:zlib';
import { decodeBinary, encodeBinary } from '@worldkit/world';

/**
 * The framing of every append-only file this World writes (run logs, the queue journal, stream
 * chunk files). A record is
 *
 *   magic (4 bytes "WKR1") | body length (u32 LE) | CRC-32 of the body (u32 LE) | body (CBOR)
 *
 * and it is written with one `write()` on an O_APPEND descriptor, so it is the commit point of
 * whatever it describes. A record that is incomplete or fails its checksum is an uncommitted
 * write (a writer killed mid-`write()`, or one still writing): readers stop before it, and the
 * next writer holding the file's lock truncates it away before appending.
 */

export const RECORD_HEADER_BYTES = 12;
const MAGIC = 0x3152_4b57; // "WKR1" read as a little-endian u32
/** Far above any real record; a length beyond it can only be garbage. */
const MAX_BODY_BYTES = 1 << 30;

export function encodeRecord(value: unknown): Buffer {
  const body = encodeBinary(value);
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + body.byteLength);
  record.writeUInt32LE(MAGIC, 0);
  record.writeUInt32LE(body.byteLength, 4);
  record.writeUInt32LE(crc32(body), 8);
  record.set(body, RECORD_HEADER_BYTES);
  return record;
}

export interface ParsedRecord<T> {
  value: T;
  /** Offset of the record's first byte, relative to the file. */
  offset: number;
  /** Offset just past the record. */
  end: number;
}

export interface ParseResult<T> {
  records: ParsedRecord<T>[];
  /** Offset just past the last valid record: everything after it is uncommitted. */
  validEnd: number;
  /** Bytes after `validEnd` that do not (yet) form a valid record. */
  trailingBytes: number;
}

/**
 * Parses consecutive records from `bytes`, which holds the file's content starting at file offset
 * `baseOffset`. Stops at the first incomplete or corrupt record.
 */
export function parseRecords<T>(bytes: Uint8Array, baseOffset = 0): ParseResult<T> {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: ParsedRecord<T>[] = [];
  let position = 0;
  while (position + RECORD_HEADER_BYTES <= view.length) {
    if (view.readUInt32LE(position) !== MAGIC) break;
    const length = view.readUInt32LE(position + 4);
    if (length > MAX_BODY_BYTES) break;
    const end = position + RECORD_HEADER_BYTES + length;
    if (end > view.length) break;
    const body = view.subarray(position + RECORD_HEADER_BYTES, end);
    if (crc32(body) !== view.readUInt32LE(position + 8)) break;
    let value: T;
    try {
      value = decodeBinary<T>(body);
    } catch {
      break;
    }
    records.push({ value, offset: baseOffset + position, end: baseOffset + end });
    position = end;
  }
  return { records, validEnd: baseOffset + position, trailingBytes: view.length - position };
}
