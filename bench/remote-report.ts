/**
 * Reading a tty-bytes recording for bench/remote.ts: its report rows (from `tty-bytes report
 * --json`) and, per row, how many pictures were started in the output written during it
 * (kitty transmissions, sixel images), which the report does not count.
 */
import { readFileSync } from 'node:fs';

export interface ReportRow {
  row: number;
  label: string;
  at_s: number;
  out_bytes: number;
  first_ms: number | null;
  last_ms: number | null;
  image_bytes: number;
}

/** A kitty command transmits when its action is t or T (t is the default) and it is not a continuation chunk. */
function kittyTransmits(control: string): boolean {
  const keys = new Map(control.split(',').map((kv) => kv.split('=') as [string, string]));
  const action = keys.get('a') ?? 't';
  if (action !== 't' && action !== 'T') return false;
  return [...keys.keys()].some((k) => k !== 'm' && k !== 'q');
}

export interface RowPictures {
  /** Pictures whose transmission began during the row (kitty transmit commands, sixel images). */
  started: number;
  bytes: number;
  /** From the first to the last PgDn typed in the row. */
  keySpanMs: number | null;
}

export function picturesIn(recDir: string, rows: ReportRow[]): RowPictures[] {
  const raw = readFileSync(`${recDir}/io.log`);
  let pos = raw.subarray(0, 14).toString('latin1') === 'Script started' ? raw.indexOf(0x0a) + 1 : 0;
  const starts = rows.map((r) => r.at_s);
  const out: Buffer[][] = rows.map(() => []);
  const pgdn: number[][] = rows.map(() => []);
  let t = 0;
  for (const line of readFileSync(`${recDir}/timing.log`, 'latin1').split('\n')) {
    const [kind, delta, bytes] = line.split(' ');
    if (!kind || kind === 'H' || bytes === undefined) continue;
    t += Number(delta);
    if (kind !== 'I' && kind !== 'O') continue;
    const n = Number(bytes);
    const data = raw.subarray(pos, pos + n);
    pos += n;
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1]! <= t + 1e-6) i++;
    if (kind === 'O') out[i]!.push(data);
    else for (const _ of data.toString('latin1').matchAll(/\x1b\[6~/g)) pgdn[i]!.push(t);
  }
  return out.map((chunks, row) => {
    const keys = pgdn[row]!;
    const text = Buffer.concat(chunks).toString('latin1');
    let started = 0;
    for (const m of text.matchAll(/\x1b_G([^;\x1b]*)/g)) if (kittyTransmits(m[1]!)) started++;
    started += [...text.matchAll(/\x1bP[0-9;]*q/g)].length;
    return { started, bytes: text.length, keySpanMs: keys.length > 1 ? Math.round((keys.at(-1)! - keys[0]!) * 1000) : null };
  });
}
