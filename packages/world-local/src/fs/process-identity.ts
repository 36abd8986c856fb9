import fs from 'node:fs';
import os from 'node:os';

/**
 * Who holds a lock or a queue lease, in a form another process on the same host can check for
 * liveness. A pid alone is not enough: after a crash the pid can be reused by an unrelated
 * process, so Linux hosts also record the process's start time (from /proc), and a holder is
 * alive only while a process with that pid *and* that start time exists.
 */
export interface ProcessIdentity {
  /**
   * The host name and, on Linux, the pid namespace: processes in two containers of one host see
   * different pids, so one must not judge the other's pid.
   */
  host: string;
  pid: number;
  /** Start time in clock ticks since boot (Linux), or 0 where /proc is not available. */
  start: number;
}

let self: ProcessIdentity | undefined;

export function currentProcess(): ProcessIdentity {
  self ??= {
    host: `${os.hostname()}/${pidNamespace()}`,
    pid: process.pid,
    start: startTimeOf(process.pid) ?? 0,
  };
  return self;
}

function pidNamespace(): string {
  try {
    return fs.readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

/**
 * True when the identified process may still be running. Processes of another host (or pid
 * namespace) cannot be checked and count as alive: callers fall back to time-based expiry.
 */
export function isProcessAlive(identity: ProcessIdentity): boolean {
  const me = currentProcess();
  if (identity.host !== me.host) return true;
  if (identity.pid === me.pid) return identity.start === me.start;
  try {
    process.kill(identity.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (identity.start === 0) return true;
  const start = startTimeOf(identity.pid);
  return start === undefined || start === identity.start;
}

/** Field 22 of /proc/<pid>/stat; the command name before it may contain spaces and parentheses. */
function startTimeOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function formatIdentity(identity: ProcessIdentity): string {
  return `${identity.host}\t${identity.pid}\t${identity.start}`;
}

export function parseIdentity(text: string): ProcessIdentity | undefined {
  const [host, pid, start] = text.split('\t');
  if (host === undefined || pid === undefined || start === undefined) return undefined;
  const parsed = { host, pid: Number(pid), start: Number(start) };
  return Number.isInteger(parsed.pid) && Number.isFinite(parsed.start) ? parsed : undefined;
}
