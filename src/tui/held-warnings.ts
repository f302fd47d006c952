import { sanitizeText } from '../util/sanitize.js';

/**
 * Node writes process warnings (a listener leak, a deprecation) straight to stderr, which is the
 * lighttable's screen: the text lands over the pictures and shifts the rows Ink drew. While the
 * lighttable owns the terminal they are held, and printed once each after it has restored the
 * terminal, where the user can read them.
 */
export interface HeldWarnings {
  /** Restores Node's own printing and prints what was held (each distinct warning once). */
  release(write?: (text: string) => void): void;
}

const MAX_HELD = 50;

export function holdProcessWarnings(): HeldWarnings {
  const original = process.emitWarning;
  const held = new Map<string, number>();
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === 'string' ? `${type ?? 'Warning'}: ${warning}` : `${warning.name}: ${warning.message}`;
    if (held.has(text) || held.size < MAX_HELD) held.set(text, (held.get(text) ?? 0) + 1);
  }) as typeof process.emitWarning;
  return {
    release(write = (t) => process.stderr.write(t)) {
      if (process.emitWarning !== original) process.emitWarning = original;
      for (const [text, n] of held) write(`termtable: ${sanitizeText(text)}${n > 1 ? ` (${n} times)` : ''}\n`);
      held.clear();
    },
  };
}
