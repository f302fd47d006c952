/**
 * The skull darktable draws for a thumbnail it could not make, as plain ASCII text scaled to the
 * box, with the cause underneath and the detail where room allows. Text only, so it shows in
 * every protocol and in terminals without graphics or Unicode.
 */
import { CAUSE_LABELS } from '../cache/types.js';
import { sanitizeText } from '../util/sanitize.js';
import { clampBox } from './geometry.js';
import type { CellBox, SkullInput } from './types.js';

const LARGE = [
  '   _______   ',
  '  /       \\  ',
  ' |  () ()  | ',
  ' |    ^    | ',
  '  \\ ||||| /  ',
  "   '-----'   ",
];
const MEDIUM = [' .---. ', '( o o )', ' \\ ^ / ', ' ||||| '];
const SMALL = [' .-. ', '(x x)', ' |m| '];
const ARTS = [LARGE, MEDIUM, SMALL] as const;

/** Fits text into `width` columns: cut with '…' when too long (code points; labels are short). */
function fitText(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return chars.slice(0, width).join('');
  return `${chars.slice(0, width - 1).join('')}…`;
}

function center(text: string, width: number): string {
  const t = fitText(text, width);
  const len = [...t].length;
  const left = Math.floor((width - len) / 2);
  return ' '.repeat(left) + t + ' '.repeat(width - len - left);
}

/** Word-wraps into at most `maxLines` lines of `width` columns; the last one is cut with '…'. */
function wrap(text: string, width: number, maxLines: number): string[] {
  if (maxLines <= 0 || width <= 0) return [];
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    const candidate = line ? `${line} ${word}` : word;
    if ([...candidate].length <= width) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = word;
    if (lines.length === maxLines) {
      const last = lines.pop() ?? '';
      lines.push(fitText(`${last} ${words.slice(i).join(' ')}`, width));
      return lines;
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = fitText(`${kept[maxLines - 1] ?? ''} ${lines.slice(maxLines).join(' ')}`, width);
    return kept;
  }
  return lines.map((l) => fitText(l, width));
}

export interface SkullOptions {
  /** Show the sanitised detail under the cause when there is room. @default true */
  detail?: boolean;
}

/**
 * Lines of exactly box.rows strings, each box.cols columns wide: the largest skull that leaves
 * room for the cause label, then the detail. Tiny boxes get just "x " and the label.
 */
export function renderSkull(input: SkullInput, rawBox: CellBox, options: SkullOptions = {}): string[] {
  const box = clampBox(rawBox);
  const label = CAUSE_LABELS[input.cause] ?? 'thumbnail failed';
  const detail = options.detail === false ? '' : sanitizeText(input.detail ?? '').trim();
  const blank = ' '.repeat(box.cols);
  const art = ARTS.find((a) => a.length + 1 <= box.rows && (a[0]?.length ?? 0) <= box.cols);
  let body: string[];
  // The cause matters more than the detail: it may take two lines in a narrow box.
  const labelLines = (width: number, room: number) => wrap(label, width, Math.max(1, Math.min(2, room)));
  if (!art) {
    body = labelLines(box.cols, box.rows - 1).map((l, i) => center(i === 0 ? `x ${l}` : l, box.cols));
    if (box.rows === 1) body = [center(`x ${label}`, box.cols)];
    if (box.rows > body.length && detail) {
      body.push(...wrap(detail, box.cols, box.rows - body.length).map((l) => center(l, box.cols)));
    }
  } else {
    body = [...art.map((l) => center(l, box.cols)), ...labelLines(box.cols, box.rows - art.length).map((l) => center(l, box.cols))];
    const room = box.rows - body.length;
    if (room > 0 && detail) body.push(...wrap(detail, box.cols, room).map((l) => center(l, box.cols)));
  }
  body = body.slice(0, box.rows);
  const top = Math.floor((box.rows - body.length) / 2);
  const lines: string[] = [];
  for (let r = 0; r < box.rows; r += 1) lines.push(body[r - top] ?? blank);
  return lines;
}
