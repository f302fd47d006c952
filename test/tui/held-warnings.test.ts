import { describe, expect, it, vi } from 'vitest';
import { holdProcessWarnings } from '../../src/tui/held-warnings.js';

describe('process warnings while the lighttable owns the terminal', () => {
  it('are held off the screen and printed once each, terminal-safe, after release', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const original = process.emitWarning;
    try {
      const held = holdProcessWarnings();
      process.emitWarning('Possible EventTarget memory leak detected.', 'MaxListenersExceededWarning');
      process.emitWarning('Possible EventTarget memory leak detected.', 'MaxListenersExceededWarning');
      process.emitWarning(new Error('bad \x1b[2Jthing'));
      expect(stderr).not.toHaveBeenCalled();
      const out: string[] = [];
      held.release((t) => out.push(t));
      expect(process.emitWarning).toBe(original);
      expect(out).toEqual([
        'termtable: MaxListenersExceededWarning: Possible EventTarget memory leak detected. (2 times)\n',
        expect.stringMatching(/^termtable: Error: bad .*thing\n$/),
      ]);
      expect(out.join('')).not.toContain('\x1b');
      held.release((t) => out.push(t)); // a second release prints nothing again
      expect(out).toHaveLength(2);
    } finally {
      process.emitWarning = original;
      stderr.mockRestore();
    }
  });
});
