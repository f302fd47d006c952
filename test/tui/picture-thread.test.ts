import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PaintUnit } from '../../src/render/painter.js';
import { AckWindow } from '../../src/tui/screen/ack-window.js';
import { PictureThread, pictureThreadBytes, type PictureJobResult } from '../../src/tui/screen/picture-thread.js';
import { TerminalWriter } from '../../src/tui/screen/terminal-writer.js';

/**
 * The picture thread on a real descriptor whose reader the test controls: a FIFO (64 kB of
 * kernel buffer), read only when the test says. A terminal that reads slowly is the same to the
 * thread: its write(2) blocks until the reader takes the bytes.
 */
let dir: string;
let fifo: string;
let readFd: number;
let writeFd: number;
const threads: PictureThread[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'termtable-picture-thread-'));
  fifo = path.join(dir, 'tty');
  execFileSync('mkfifo', [fifo]);
  readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  writeFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
});

afterEach(() => {
  // Whatever a test left queued is read, so no thread stays blocked in write(2).
  const stop = Date.now() + 2000;
  while (threads.some((t) => t.busy) && Date.now() < stop) readAvailable();
  for (const t of threads.splice(0)) t.close();
  closeSync(writeFd);
  closeSync(readFd);
  rmSync(dir, { recursive: true, force: true });
});

function readAvailable(): string {
  const buf = Buffer.alloc(1 << 16);
  let out = '';
  for (;;) {
    try {
      const n = readSync(readFd, buf, 0, buf.length, null);
      if (n <= 0) return out;
      out += buf.toString('latin1', 0, n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return out;
      throw err;
    }
  }
}

/** Reads until `until` holds of what was read, or 5 s. */
async function readUntil(until: (s: string) => boolean): Promise<string> {
  let out = '';
  const stop = Date.now() + 5000;
  while (!until(out) && Date.now() < stop) {
    out += readAvailable();
    await new Promise((r) => setTimeout(r, 2));
  }
  return out;
}

async function startedThread(): Promise<PictureThread> {
  const t = PictureThread.forFd(writeFd);
  expect(t).not.toBeNull();
  threads.push(t!);
  t!.start();
  const stop = Date.now() + 5000;
  while (!t!.ready && Date.now() < stop) await new Promise((r) => setTimeout(r, 5));
  expect(t!.ready).toBe(true);
  return t!;
}

/** Distinct pieces, so any reordering or repeat shows. */
const pieces = (n: number, size: number, tag: string) => Array.from({ length: n }, (_, i) => `<${tag}${i}>`.padEnd(size, String.fromCharCode(97 + (i % 26))));

describe.skipIf(process.platform !== 'linux')('picture thread', () => {
  it('writes a job whole and in order, and counts itself for the cache statistics', async () => {
    const t = await startedThread();
    expect(pictureThreadBytes()).toBeGreaterThan(0);
    const job = pieces(12, 16 * 1024, 'p');
    let result: PictureJobResult | null = null;
    t.write(job, '', (r) => (result = r));
    const got = await readUntil((s) => s.length >= job.join('').length);
    expect(got).toBe(job.join(''));
    await expect.poll(() => result).toEqual({ pieces: 12, cut: false, failed: false });
  });

  it('cancel() stops between pieces and writes the abort bytes: no piece is cut in two', async () => {
    const t = await startedThread();
    // 40 × 16 kB against a 64 kB buffer nobody reads yet: the thread blocks inside the job.
    const job = pieces(40, 16 * 1024, 'q');
    let result: PictureJobResult | null = null;
    t.write(job, '[abort]', (r) => (result = r));
    await new Promise((r) => setTimeout(r, 100));
    expect(t.busy).toBe(true);
    t.cancel();
    const got = await readUntil((s) => s.endsWith('[abort]'));
    await expect.poll(() => result?.cut).toBe(true);
    const n = result!.pieces;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(40);
    expect(got).toBe(job.slice(0, n).join('') + '[abort]');
  });

  it('settle() gives up after its timeout while the reader takes nothing, and finishes once it does', async () => {
    const t = await startedThread();
    // One piece bigger than the buffer: cancel cannot stop it half-way.
    const job = [pieces(1, 256 * 1024, 'r')[0]!];
    let result: PictureJobResult | null = null;
    t.write(job, '[abort]', (r) => (result = r));
    const t0 = Date.now();
    expect(t.settle(150)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    const got = await readUntil((s) => s.length >= job[0]!.length);
    expect(got).toBe(job[0]);
    await expect.poll(() => result).toEqual({ pieces: 1, cut: false, failed: false });
    expect(t.settle(100)).toBe(true);
  });
});

describe.skipIf(process.platform !== 'linux')('terminal writer with the picture thread', () => {
  const unit = (slot: string, chunks: string[]): PaintUnit => ({
    slot,
    kind: 'place',
    rect: { col: 0, row: 0, cols: 10, rows: 5 },
    imageKey: slot,
    imageId: null,
    chunks,
    abort: '\x1b\\',
  });

  /** The main thread's writes: a non-blocking stream on the same FIFO, as stdout is on the terminal. */
  const mainStream = () => new net.Socket({ fd: openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK), readable: false, writable: true });

  it('a big picture goes through the thread; text and pictures queued meanwhile follow it in order', async () => {
    const t = await startedThread();
    const sink = mainStream();
    const picked: string[] = [];
    const writer = new TerminalWriter({ sink, wanted: () => true, abandoned: (u) => picked.push(`abandoned ${u.slot}`), thread: t });
    const big = unit('main', pieces(40, 16 * 1024, 'm'));
    const small = unit('thumb', ['<small picture>']);
    writer.submit('', '[text 1]', [big]);
    await new Promise((r) => setImmediate(r));
    expect(t.busy).toBe(true);
    writer.submit('', '[text 2]', [small]);
    const expected = '[text 1]' + big.chunks.join('') + '[text 2]' + '<small picture>';
    const got = await readUntil((s) => s.length >= expected.length);
    expect(got).toBe(expected);
    expect(picked).toEqual([]);
    sink.destroy();
  });

  it('a picture the next frame no longer wants is cut in the thread and reported abandoned', async () => {
    const t = await startedThread();
    const sink = mainStream();
    let wanted = true;
    const abandoned: string[] = [];
    const writer = new TerminalWriter({ sink, wanted: () => wanted, abandoned: (u) => abandoned.push(u.slot), thread: t });
    const big = unit('main', pieces(40, 16 * 1024, 'c'));
    writer.submit('', '', [big]);
    await new Promise((r) => setTimeout(r, 50));
    expect(t.busy).toBe(true);
    wanted = false;
    writer.submit('', '[next frame]', []);
    const got = await readUntil((s) => s.endsWith('[next frame]'));
    expect(abandoned).toEqual(['main']);
    // Whole pieces, the sixel's terminator, then the new frame's text.
    const cutAt = got.indexOf('\x1b\\');
    expect(got.slice(cutAt)).toBe('\x1b\\[next frame]');
    expect(big.chunks.join('').startsWith(got.slice(0, cutAt))).toBe(true);
    expect(cutAt % (16 * 1024)).toBe(0);
    expect(cutAt).toBeLessThan(40 * 16 * 1024);
    sink.destroy();
  });

  /** A link of `rttMs` whose rate the window has measured: `bytesPerS`, from three marks answered. */
  const measured = (bytesPerS: number, rttMs: number) => {
    let now = 0;
    const flow = new AckWindow({ idleRttMs: rttMs, now: () => now });
    for (let i = 0; i < 3; i++) {
      flow.sent(bytesPerS / 2);
      flow.marked();
      now += 500;
      flow.answered();
    }
    return flow;
  };

  it('over a slow link the picture stays with the main thread, paced piece by piece; over a fast or near one it goes to the thread', async () => {
    const t = await startedThread();
    const big = () => unit('main', pieces(40, 16 * 1024, 's'));
    const links = [
      [250_000, 100, false],
      [50_000_000, 100, true],
      // A local terminal whose rate was learned from a grid's small thumbnails only.
      [360_000, 2, true],
    ] as const;
    const seen: string[] = [];
    for (const [rate, rtt] of links) {
      const sink = mainStream();
      const writer = new TerminalWriter({ sink, wanted: () => true, abandoned: () => {}, flow: measured(rate, rtt), thread: t });
      const u = big();
      writer.submit('', '', [u]);
      await new Promise((r) => setImmediate(r));
      seen.push(`${rate} B/s, ${rtt} ms: ${t.busy ? 'thread' : 'main'}`);
      const got = await readUntil((x) => x.length >= u.chunks.join('').length);
      expect(got.startsWith(u.chunks.join(''))).toBe(true);
      await expect.poll(() => t.busy).toBe(false);
      // The status-report mark after the picture, not to be read as the next one's bytes.
      await new Promise((r) => setTimeout(r, 20));
      readAvailable();
      sink.destroy();
    }
    expect(seen).toEqual(links.map(([rate, rtt, threaded]) => `${rate} B/s, ${rtt} ms: ${threaded ? 'thread' : 'main'}`));
  });
});
