/**
 * Terminal modes the lighttable sets and must always undo: the alternate screen (so the
 * user's scrollback is untouched), a hidden cursor, and mouse reporting (SGR) for
 * ctrl+wheel. Strings only; the caller writes them.
 */
export const ENTER_TERMINAL = '\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l\x1b[?1000h\x1b[?1006h\x1b[?1004h';
export const LEAVE_TERMINAL = '\x1b[?1004l\x1b[?1006l\x1b[?1000l\x1b[?2026l\x1b[0m\x1b[?25h\x1b[?1049l';

/**
 * Switches a TTY stream between blocking and non-blocking writes. Node makes a TTY's stdout
 * blocking on Linux, so a large picture write froze the event loop until the link had carried
 * it (keys waited behind every page already left). Non-blocking, write() returns false when
 * the kernel is full and 'drain' says when to go on (terminal-writer.ts waits for it).
 * tty.WriteStream has no public switch; its handle's setBlocking is what Node itself calls.
 */
export function setBlockingWrites(stream: NodeJS.WriteStream, blocking: boolean): void {
  if (!stream.isTTY) return;
  const handle = (stream as unknown as { _handle?: { setBlocking?: (b: boolean) => unknown } })._handle;
  handle?.setBlocking?.(blocking);
}

/**
 * Reads and discards the terminal's answers still on their way (a slow link: replies to the
 * start-up probe or to DSR marks) before the shell gets the terminal back, where they would
 * appear as typed text. Asks one more DSR and waits for its answer, which comes after every
 * earlier one; at most `timeoutMs`.
 */
export function drainReplies(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream, timeoutMs: number): Promise<void> {
  if (!stdin.isTTY || !stdout.isTTY || timeoutMs <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = '';
    const finish = () => {
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.pause();
      resolve();
    };
    const onData = (chunk: Buffer | string) => {
      seen = (seen + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'))).slice(-16);
      if (seen.includes('\x1b[0n')) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    try {
      stdin.setRawMode(true);
    } catch {
      // not a TTY after all
    }
    stdin.on('data', onData);
    stdin.resume();
    stdout.write('\x1b[5n');
  });
}

/**
 * Raw mode from the first moment the lighttable owns the terminal (before the import and the
 * probe), so keys typed during start-up are neither echoed onto the screen (`^[[6~`) nor lost:
 * they are kept and handed back (unshift) when release() is called, for the probe and then Ink
 * to read. Ctrl-C still interrupts (raw mode turns off the terminal's own SIGINT).
 */
export function holdKeys(stdin: NodeJS.ReadStream): { release(): void } {
  if (!stdin.isTTY) return { release() {} };
  const held: Buffer[] = [];
  const onData = (chunk: Buffer | string) => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    if (buf.includes(0x03)) {
      stdin.setRawMode(false);
      process.kill(process.pid, 'SIGINT');
      return;
    }
    held.push(buf);
  };
  stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      stdin.off('data', onData);
      stdin.pause();
      if (held.length) stdin.unshift(Buffer.concat(held));
    },
  };
}
