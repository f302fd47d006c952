/**
 * tmux passthrough: `ESC Ptmux; <data with every ESC doubled> ESC \`. tmux ≥ 3.3 forwards it to
 * the outer terminal only with `allow-passthrough on`.
 */
export function wrapPassthrough(data: string): string {
  if (data === '') return '';
  return `\x1bPtmux;${data.replaceAll('\x1b', '\x1b\x1b')}\x1b\\`;
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
