// Runs inside the terminal that term-shot opened (so it has its DISPLAY and its tty): starts
// `tty-bytes record -- slow-link -- termtable` in the foreground and types the bench's keys
// with xdotool, each once the previous action's output has gone quiet. Keys are typed by
// xdotool directly rather than by term-shot's --keys, whose delay is one fixed pause between
// every key (an action here takes 0.2 to 60 s, depending on protocol, link and build).
//
//   node remote-drive.mjs SPEC.json    SPEC: { record, cmd: [...], windowClass, actions, done }
// actions: [{ name, keys: ['Next'], delayMs?, quietMs, maxMs, minBytes? }]; the first action
// has no keys (the first page). Writes SPEC.done = JSON { rc, actions: [{ name, typedAt }] }.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const timingLog = `${spec.record}/timing.log`;

/** Output bytes written so far, from script's flushed timing log ("O DELTA BYTES" lines). */
function outBytes() {
  let text;
  try {
    text = readFileSync(timingLog, 'latin1');
  } catch {
    return 0;
  }
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith('O ')) n += Number(line.split(' ')[2]) || 0;
  return n;
}

/**
 * Waits until no output for quietMs, after at least minBytes since `from` (or firstMs without
 * them: an action that writes nothing), or maxMs.
 */
async function quiet({ quietMs, maxMs, minBytes = 0, firstMs = maxMs }, from) {
  const start = Date.now();
  let last = outBytes();
  let changed = Date.now();
  while (Date.now() - start < maxMs) {
    await pause(100);
    const now = outBytes();
    if (now !== last) {
      last = now;
      changed = Date.now();
    } else if ((now - from >= minBytes || Date.now() - start >= firstMs) && Date.now() - changed >= quietMs) {
      return { timedOut: false, bytes: now };
    }
  }
  return { timedOut: true, bytes: last };
}

const xdo = (...args) => spawnSync('xdotool', args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const child = spawn(spec.cmd[0], spec.cmd.slice(1), { stdio: 'inherit' });
let exited = null;
const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = code ?? signal))));

const win = xdo('search', '--onlyvisible', '--class', spec.windowClass).stdout.trim().split('\n')[0];
if (win) xdo('mousemove', '--window', win, '5', '5', 'windowfocus', '--sync', win);

const log = [];
let from = 0;
for (const action of spec.actions) {
  if (exited !== null) break;
  if (action.keys.length) {
    from = outBytes();
    log.push({ name: action.name, typedAt: Date.now() });
    xdo('key', '--clearmodifiers', '--delay', String(action.delayMs ?? 100), ...action.keys);
  }
  const q = await quiet(action, from);
  log.at(-1) && (log.at(-1).timedOut = q.timedOut);
  if (!action.keys.length) log.push({ name: action.name, typedAt: null, timedOut: q.timedOut });
}
if (exited === null) xdo('key', 'q');
const rc = await Promise.race([exit, pause(20_000).then(() => (child.kill('SIGTERM'), exit))]);
writeFileSync(spec.done, JSON.stringify({ rc, actions: log, size: statSync(timingLog, { throwIfNoEntry: false })?.size ?? 0 }));
