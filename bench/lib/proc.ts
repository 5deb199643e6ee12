import { readFileSync } from 'node:fs';

/** A file under /proc, or null when it cannot be read (not Linux, the process is gone, no right to read it). */
function readProc(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Memory figures of a process from /proc/PID/status, in MiB (Linux only; null elsewhere). */
export interface ProcMemory {
  rssMb: number;
  /** Peak resident set size since the process started (VmHWM). */
  hwmMb: number;
}

export function procMemory(pid: number | 'self'): ProcMemory | null {
  const text = readProc(`/proc/${pid}/status`);
  if (text === null) return null;
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** Polls VmRSS every `everyMs` until stopped; also keeps VmHWM, which catches peaks between polls. */
export class RssSampler {
  private peak = 0;
  private hwm = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 20,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    const mem = procMemory(this.pid);
    if (!mem) return;
    this.peak = Math.max(this.peak, mem.rssMb);
    this.hwm = Math.max(this.hwm, mem.hwmMb);
  }

  stop(): { peakRssMb: number; hwmMb: number } {
    this.sample();
    clearInterval(this.timer);
    return { peakRssMb: this.peak, hwmMb: this.hwm };
  }
}

/** Proportional and unique set size of a process, in MiB, from /proc/PID/smaps_rollup. */
export interface ProcShare {
  /** Each shared page counted as its share among the processes mapping it. */
  pssMb: number;
  /** Pages only this process maps (Private_Clean + Private_Dirty). */
  ussMb: number;
}

/**
 * RSS counts every shared page (the node binary, libc) in full for each process, so N processes
 * would look N times as big as they are; PSS and USS do not. Null when the file cannot be read
 * (not Linux, the process is gone, or no right to read it).
 */
export function procShare(pid: number): ProcShare | null {
  const text = readProc(`/proc/${pid}/smaps_rollup`);
  if (text === null) return null;
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { pssMb: kb('Pss') / 1024, ussMb: (kb('Private_Clean') + kb('Private_Dirty')) / 1024 };
}

/**
 * CPU seconds a process has used, all its threads, user and system (from /proc/PID/stat, in
 * clock ticks of 1/100 s, which Linux reports whatever the kernel's HZ). Null when not readable.
 */
export function procCpuSeconds(pid: number): number | null {
  const text = readProc(`/proc/${pid}/stat`);
  if (text === null) return null;
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / 100 : null;
}

/** Time a thread spent on a core and waiting for one (runnable, not running), in ms. */
export interface ThreadSchedule {
  runMs: number;
  waitMs: number;
}

/**
 * From /proc/PID/task/TID/schedstat (the main thread's TID is the PID). The wait is what shared
 * cores cost a thread: time it could have run but the scheduler ran something else. Null when
 * not readable (not Linux, or the kernel keeps no schedstats).
 */
export function threadSchedule(pid: number, tid = pid): ThreadSchedule | null {
  const text = readProc(`/proc/${pid}/task/${tid}/schedstat`);
  if (text === null) return null;
  const [run, wait] = text.trim().split(/\s+/).map(Number);
  return Number.isFinite(run) && Number.isFinite(wait) ? { runMs: run! / 1e6, waitMs: wait! / 1e6 } : null;
}
