import { access, constants } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/*
 * Resource limits for a helper process (LibRaw's tools). Node's spawn() has no rlimit option,
 * so the command runs under util-linux's prlimit(1), which sets the limits on itself and then
 * execs the command (same pid: killing the child kills the tool). Without prlimit on PATH
 * (not Linux, a minimal image) the command runs as it is and only the caller's deadline holds.
 */

export interface ProcessLimits {
  /** RLIMIT_AS: address space in bytes; an allocation past it fails inside the tool (bad_alloc). */
  addressSpaceBytes?: number;
  /** RLIMIT_CPU: CPU seconds, all threads together; past it the kernel sends SIGXCPU, then SIGKILL. */
  cpuSeconds?: number;
}

/** The first executable called `name` on PATH, or null. */
export async function findOnPath(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

let prlimit: Promise<string | null> | null = null;

/** Path of prlimit(1), looked up once per process. */
export function findPrlimit(): Promise<string | null> {
  prlimit ??= os.platform() === 'linux' ? findOnPath('prlimit') : Promise.resolve(null);
  return prlimit;
}

/** [command, args] that run `exe args` under the limits (unchanged when prlimit is missing). */
export async function limitedCommand(exe: string, args: readonly string[], limits: ProcessLimits): Promise<[string, string[]]> {
  const tool = await findPrlimit();
  const flags: string[] = [];
  if (limits.addressSpaceBytes !== undefined) flags.push(`--as=${Math.ceil(limits.addressSpaceBytes)}`);
  if (limits.cpuSeconds !== undefined) flags.push(`--cpu=${Math.max(1, Math.ceil(limits.cpuSeconds))}`);
  // A missing command is left to spawn() to report (ENOENT), not to prlimit's exit status.
  const runnable = await access(exe, constants.X_OK).then(() => true, () => false);
  if (!tool || flags.length === 0 || !runnable) return [exe, [...args]];
  return [tool, [...flags, '--', exe, ...args]];
}

/**
 * RLIMIT_CPU for a tool with a wall-clock deadline: CPU time counts every thread together, and
 * LibRaw's OpenMP runs one per core, so the deadline times the cores (a legitimate decode on
 * 32 cores may use 32 CPU seconds a second); a single-threaded runaway is stopped at it.
 */
export function cpuSecondsFor(deadlineMs: number): number {
  return Math.ceil(deadlineMs / 1000) * os.availableParallelism();
}

/**
 * Address space a LibRaw tool needs beyond its pixel buffers: the libraries, and per thread
 * (OpenMP starts one per core) a stack and a malloc arena. Measured: dcraw_emu on a 16 MP ARW
 * ran under 128 MiB on 2 cores; the allowance is generous so a many-core machine passes too.
 */
export function toolBaseBytes(): number {
  return 256 * 1024 * 1024 + os.availableParallelism() * 72 * 1024 * 1024;
}
