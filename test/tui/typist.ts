import { spawn } from 'node:child_process';

/**
 * Keys typed by another process, on a fixed schedule, into a pipe the test reads as the app's
 * input: as a terminal sends them, whatever the app's event loop is doing. A test that types
 * from its own timers types only when the app's loop lets it: under load (9-12 on 2 cores) its
 * 40 ms apart became 130-340 ms apart, keys slower than a burst, not the five quick presses
 * meant. Here keys the app is too busy to read wait in the pipe, as they wait in a tty.
 */
const TYPIST = `
const [keys, gapMs] = [JSON.parse(process.argv[1]), Number(process.argv[2])];
const sent = [];
process.stdin.once('data', () => {
  const t0 = Date.now();
  let i = 0;
  const next = () => {
    process.stdout.write(keys[i]);
    sent.push(Date.now() - t0);
    if (++i < keys.length) setTimeout(next, Math.max(0, t0 + i * gapMs - Date.now()));
    else process.stdout.end(() => process.stderr.write(JSON.stringify(sent)));
  };
  next();
});
process.stderr.write('ready\\n');
`;

export interface Typed {
  /** When each key was written by the typist, ms after the first. */
  sent: number[];
}

/**
 * Types `keys` `gapMs` apart (on a schedule from the first: one written late does not push the
 * rest back); each chunk read from the pipe goes to `input` as it arrives (in the poll phase,
 * as a tty's bytes do). Resolves once every key was delivered and the typist has exited.
 */
export async function typeKeys(keys: readonly string[], gapMs: number, input: (chunk: string) => void): Promise<Typed> {
  const child = spawn(process.execPath, ['-e', TYPIST, JSON.stringify(keys), String(gapMs)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (err += d));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => input(chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  // Node's start-up (seconds under load) comes before the first key, not between keys.
  const ready = new Promise<void>((resolve) => {
    const check = () => {
      if (!err.startsWith('ready\n')) return;
      child.stderr.off('data', check);
      resolve();
    };
    child.stderr.on('data', check);
  });
  await Promise.race([ready, exited]);
  if (!err.startsWith('ready\n')) throw new Error(`typist exited before it was ready: ${err}`);
  child.stdin.end('go');
  const code = await exited;
  if (code !== 0) throw new Error(`typist exited with ${code}: ${err}`);
  return { sent: JSON.parse(err.slice('ready\n'.length)) as number[] };
}
