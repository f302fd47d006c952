import { DEFAULT_CELL_PX } from './detect.js';
import type { Protocol, TerminalCaps } from './types.js';

/** Caps for a protocol without asking any terminal: tests, benchmarks, `--protocol` in a pipe. */
export function testCaps(protocol: Protocol, overrides: Partial<TerminalCaps> = {}): TerminalCaps {
  return {
    protocol,
    kittyPlaceholders: false,
    truecolor: true,
    cellPx: DEFAULT_CELL_PX,
    cellPxMeasured: false,
    inTmux: false,
    passthrough: false,
    terminal: null,
    sixelMaxPx: null,
    sixelColors: 256,
    reasons: [`protocol ${protocol} set directly`],
    ...overrides,
  };
}
