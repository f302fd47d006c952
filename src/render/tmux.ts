/**
 * tmux passthrough: `ESC Ptmux; <data with every ESC doubled> ESC \`. tmux ≥ 3.3 forwards it to
 * the outer terminal only with `allow-passthrough on`.
 */
export function wrapPassthrough(data: string): string {
  return wrapPassthroughParts([data]);
}

/** One passthrough of the parts' concatenation (see doubleEscapes: a big part is not copied). */
export function wrapPassthroughParts(parts: readonly string[]): string {
  if (parts.every((p) => p === '')) return '';
  let out = '\x1bPtmux;';
  for (const part of parts) out += doubleEscapes(part);
  return `${out}\x1b\\`;
}

/**
 * A picture has an ESC only at its few sequence boundaries: the runs between them are sliced
 * (V8 shares a slice's characters), not copied, so a 1.3 MB sixel passed as a part of its own is
 * copied once, when it is written, instead of twice more here (replaceAll, and flattening the
 * caller's concatenation first).
 */
function doubleEscapes(data: string): string {
  let out = '';
  let from = 0;
  for (let at = data.indexOf('\x1b'); at >= 0; at = data.indexOf('\x1b', at + 1)) {
    out += `${data.slice(from, at + 1)}\x1b`;
    from = at + 1;
  }
  return from === 0 ? data : out + data.slice(from);
}

/**
 * Splits a byte string into its escape sequences (APC/DCS/OSC/CSI and the text between), so each
 * complete sequence can be wrapped on its own: one huge passthrough is fragile (tmux#3755).
 */
export function wrapEachSequence(data: string): string {
  const parts: string[] = [];
  // APC, DCS, OSC end with ST (ESC \) or, for OSC, BEL.
  const re = /\x1b[_P\]][\s\S]*?(?:\x1b\\|\x07)/g;
  let last = 0;
  for (const m of data.matchAll(re)) {
    if (m.index > last) parts.push(wrapPassthrough(data.slice(last, m.index)));
    parts.push(wrapPassthrough(m[0]));
    last = m.index + m[0].length;
  }
  if (last < data.length) parts.push(wrapPassthrough(data.slice(last)));
  return parts.join('');
}
