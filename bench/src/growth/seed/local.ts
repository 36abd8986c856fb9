/**
 * Seeding the local World: its files, written directly. After the templates are written (and
 * their World closed), the data directory is read once:
 *
 * - `runs/<runId>.log` of each template: its records (the framing of world-local's
 *   `fs/record-log.ts`: "WKR1", body length, CRC-32, CBOR body) are decoded, and each clone gets
 *   a log of the same records with the clone's ids and times, encoded and framed again;
 * - a file under `index/` named after a template's text (a token claim, named by the token's
 *   SHA-256; a completion marker, named by the completion time and the run id in a folder per
 *   hour) is copied whole under the clone's name, its times and their hour moved;
 * - in every other index file, the lines naming a template are its entries, appended for each
 *   clone: to the same file (the runs journal), or, for the correlation index, to the bucket of
 *   the line's id (the first two hex digits of its SHA-256, as `fs/layout.ts` spreads them).
 *
 * Locks, the queue and streams hold nothing a finished or idle run needs, and are left out.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeBinary, encodeBinary } from '@worldkit/world';
import { directoryBytes } from '../../store-size.js';
import { batchesOf } from './batches.js';
import { sha256Hex } from './ids.js';
import { compileText, compileTree, type Rewrite } from './rewrite.js';
import type { Seeder } from './seeder.js';
import { type CloneMapping, cloneMapping, type Template, type Templates } from './templates.js';

const CLONES_PER_BATCH = 5_000;
const MAGIC = Buffer.from('WKR1', 'latin1');
const HEADER_BYTES = 12;
const CORRELATIONS = path.join('index', 'correlations');

function frame(value: unknown): Buffer {
  const body = encodeBinary(value);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(body.byteLength, 4);
  header.writeUInt32LE(crc32(body), 8);
  return Buffer.concat([header, body]);
}

function records(file: string): unknown[] {
  const bytes = readFileSync(file);
  const values: unknown[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = bytes.readUInt32LE(at + 4);
    const body = bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
    if (!bytes.subarray(at, at + 4).equals(MAGIC) || crc32(body) !== bytes.readUInt32LE(at + 8)) {
      throw new Error(`${file} holds a record this seeder does not read at byte ${at}`);
    }
    values.push(decodeBinary(body));
    at += HEADER_BYTES + length;
  }
  return values;
}

/** The files under `folder` of `root`, as paths relative to `root`. */
function filesUnder(root: string, folder: string): string[] {
  return readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

const mentions = (text: string, template: Template) =>
  template.texts.some((part) => text.includes(part));

function ownerOf(text: string, templates: Template[]): Template | undefined {
  const owners = templates.filter((template) => mentions(text, template));
  if (owners.length > 1) throw new Error(`"${text}" names ${owners.length} template runs`);
  return owners[0];
}

interface CopiedRun {
  /** The clone's file (relative) and its bytes. */
  files: Array<{ name: Rewrite<string>; content: (mapping: CloneMapping) => Buffer | string }>;
  /** Lines appended to shared index files: the file (relative) and the line. */
  lines: Array<{ file: Rewrite<string>; line: Rewrite<string> }>;
}

function capture(root: string, templates: Templates): Map<Template, CopiedRun> {
  const copies = new Map<Template, CopiedRun>(
    templates.list.map((template) => [template, { files: [], lines: [] }]),
  );
  const { window } = templates;
  for (const template of templates.list) {
    const log = path.join('runs', `${template.runId}.log`);
    const compiled = records(path.join(root, log)).map((record) =>
      compileTree(record, template.texts, window),
    );
    copies.get(template)!.files.push({
      name: compileText(log, template.texts, window),
      content: (mapping) => Buffer.concat(compiled.map((record) => frame(record(mapping)))),
    });
  }
  for (const file of filesUnder(root, 'index')) {
    const fileOwner = ownerOf(file, templates.list);
    const content = readFileSync(path.join(root, file), 'utf8');
    if (fileOwner) {
      copies.get(fileOwner)!.files.push({
        name: compileText(file, fileOwner.texts, window),
        content: compileText(content, fileOwner.texts, window),
      });
      continue;
    }
    for (const line of content.split('\n').filter(Boolean)) {
      const owner = ownerOf(line, templates.list);
      if (!owner) continue;
      const rewrite = compileText(line, owner.texts, window);
      copies.get(owner)!.lines.push({
        file: file.startsWith(CORRELATIONS)
          ? (mapping) =>
              path.join(CORRELATIONS, sha256Hex(rewrite(mapping).split(' ')[0]!).slice(0, 2))
          : () => file,
        line: rewrite,
      });
    }
  }
  return copies;
}

export async function localSeeder(
  location: { directory: string },
  templates: Templates,
): Promise<Seeder> {
  const root = location.directory;
  const copies = capture(root, templates);
  const folders = new Set<string>();
  return {
    async grow(from, to, progress) {
      for (const batch of batchesOf(from, to, CLONES_PER_BATCH)) {
        const appends = new Map<string, string[]>();
        for (const n of batch.numbers) {
          const mapping = cloneMapping(templates, n);
          const copy = copies.get(mapping.template)!;
          for (const { name, content } of copy.files) {
            const file = path.join(root, name(mapping));
            // A clone's file may go in a folder of its own (the completion index's hour).
            if (!folders.has(path.dirname(file))) {
              mkdirSync(path.dirname(file), { recursive: true });
              folders.add(path.dirname(file));
            }
            writeFileSync(file, content(mapping));
          }
          for (const { file, line } of copy.lines) {
            const target = file(mapping);
            const pending = appends.get(target) ?? [];
            pending.push(line(mapping));
            appends.set(target, pending);
          }
        }
        for (const [file, lines] of appends) {
          mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
          appendFileSync(path.join(root, file), `${lines.join('\n')}\n`);
        }
        progress(batch.progress);
        // Let timers and I/O callbacks of the process run between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    settle: async () => {},
    bytes: () => directoryBytes(root),
    close: async () => {},
  };
}
