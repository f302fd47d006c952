/**
 * src/render's public surface, used by `termtable show` and the TUI.
 *
 * Typical TUI use:
 *   const { caps } = await detectTerminal({ flag, preference });   // before Ink's render()
 *   const renderer = createRenderer(caps);
 *   const img = await renderer.render({ key, data: thumb.jpeg, width, height }, { cols, rows });
 *   // in-tree: img.lines !== null → <Text>{line}</Text> per line (raw SGR, one line per row)
 *   // after each Ink frame: const { before, after } = renderer.painter.frame(placements)
 *   //   write `before` ahead of Ink's frame bytes and `after` behind them
 *   // at exit: write renderer.painter.clearAll(); await renderer.close()
 */
export type {
  CellBox,
  CellPx,
  CellRect,
  EncodeOptions,
  Encoder,
  ImageInput,
  Placement,
  Protocol,
  RenderedImage,
  SkullInput,
  TerminalCaps,
} from './types.js';
export { PROTOCOLS } from './types.js';
export {
  DEFAULT_CELL_PX,
  buildQueries,
  detectTerminal,
  formatProbe,
  isProtocol,
  parseReplies,
  parseXtversion,
  pickProtocol,
  queryTerminal,
  readTmuxInfo,
  resolveOverride,
  type DetectEnv,
  type DetectOptions,
  type Detection,
  type ProtocolOverride,
  type TerminalAnswers,
  type TmuxInfo,
} from './detect.js';
export { createEncoder, createRenderer, type Renderer, type RendererOptions } from './renderer.js';
export { Painter, blankRect, cursorTo, type FrameOptions, type PaintBytes, type PainterOptions } from './painter.js';
export { renderSkull, type SkullOptions } from './skull.js';
export { clampBox, fitImage, MAX_BOX_CELLS, type Fit } from './geometry.js';
export { wrapPassthrough } from './tmux.js';
export { createHalfBlockEncoder, rgbTo256 } from './encoders/half-block.js';
export { createKittyEncoder, placeholderLines } from './encoders/kitty.js';
export { createSixelEncoder } from './encoders/sixel.js';
export { createIterm2Encoder } from './encoders/iterm2.js';
export { testCaps } from './caps.js';
