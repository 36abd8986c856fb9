import fs from 'node:fs';

/**
 * Synchronous access to append-only files through cached descriptors.
 *
 * The hot paths call these inside a run's critical section; each call is one short syscall on a
 * local file, and doing them synchronously keeps a critical section free of awaits, so no other
 * task of this process can interleave with it. Descriptors are opened `a+` (reads are positional,
 * writes always land at the end, even when another process appended meanwhile) and kept in a
 * small LRU so a busy run costs no open/close per write.
 */
export class AppendFiles {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly maxOpen: number,
    /** `fsync` mode: flush each append to stable storage before it is acknowledged. */
    private readonly syncWrites: boolean,
  ) {}

  /** The descriptor of `path`, creating the file when `create` is set; undefined if it is missing. */
  fd(path: string, create: boolean): number | undefined {
    const cached = this.open.get(path);
    if (cached !== undefined) {
      this.open.delete(path);
      this.open.set(path, cached);
      return cached;
    }
    let fd: number;
    try {
      fd = fs.openSync(path, create ? 'a+' : fs.constants.O_RDWR | fs.constants.O_APPEND);
    } catch (error) {
      if (!create && isMissing(error)) return undefined;
      throw error;
    }
    this.open.set(path, fd);
    if (this.open.size > this.maxOpen) {
      const [oldestPath, oldestFd] = this.open.entries().next().value as [string, number];
      this.open.delete(oldestPath);
      fs.closeSync(oldestFd);
    }
    return fd;
  }

  size(fd: number): number {
    return fs.fstatSync(fd).size;
  }

  /**
   * The file's size and inode, or undefined when the file was deleted while this descriptor kept
   * it open (a prune, in this process or another): the caller drops the descriptor and looks the
   * path up again. One `fstat`, as `size` costs.
   */
  statIfLinked(fd: number): { size: number; ino: number } | undefined {
    const stat = fs.fstatSync(fd);
    return stat.nlink === 0 ? undefined : { size: stat.size, ino: stat.ino };
  }

  /** Bytes `[from, to)` of the file. */
  read(fd: number, from: number, to: number): Buffer {
    const buffer = Buffer.allocUnsafe(to - from);
    let done = 0;
    while (done < buffer.length) {
      const n = fs.readSync(fd, buffer, done, buffer.length - done, from + done);
      if (n === 0) return buffer.subarray(0, done);
      done += n;
    }
    return buffer;
  }

  /** Appends all of `bytes`; with `fsync` durability they reach stable storage before return. */
  append(fd: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
    if (this.syncWrites) fs.fdatasyncSync(fd);
  }

  truncate(fd: number, length: number): void {
    fs.ftruncateSync(fd, length);
  }

  /** Forgets a descriptor whose file was replaced or removed. */
  drop(path: string): void {
    const fd = this.open.get(path);
    if (fd === undefined) return;
    this.open.delete(path);
    fs.closeSync(fd);
  }

  closeAll(): void {
    for (const fd of this.open.values()) fs.closeSync(fd);
    this.open.clear();
  }
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

export function isExisting(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'EEXIST';
}

/** Removes a file that may already be gone. */
export function unlinkQuietly(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}
