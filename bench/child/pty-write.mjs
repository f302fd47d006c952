// The write floor of bench/next-image.ts: writes each file to its terminal (a tmux pane) in
// the 16 kB pieces termtable's writer uses, with nothing else to do, and appends to OUT how
// long the terminal took to take it (until the last piece's write callback), in ms, a line
// per file. A pause between files lets the terminal settle, as the benchmark's keys do.
import { appendFileSync, readFileSync } from 'node:fs';

const [out, ...files] = process.argv.slice(2);
const write = (bytes) =>
  new Promise((resolve) => {
    const t0 = performance.now();
    for (let i = 0; i < bytes.length; i += 16384) process.stdout.write(bytes.subarray(i, i + 16384));
    process.stdout.write('', () => resolve(performance.now() - t0));
  });
for (const file of files) {
  const ms = await write(readFileSync(file));
  appendFileSync(out, `${ms.toFixed(1)}\n`);
  await new Promise((r) => setTimeout(r, 300));
}
appendFileSync(out, 'done\n');
