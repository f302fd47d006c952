/** src/tui's public surface: the lighttable entry point and the pieces tests and benchmarks drive. */
export { runLighttable, type RunLighttableOptions } from './run.js';
export { LighttableStore, slotKey, type LighttableSnapshot, type ThumbView, type StoreOptions } from './store.js';
export { createGraphicsLayer, type GraphicsLayer, type GraphicsLayerOptions } from './graphics-layer.js';
export { realServices, libraryPort, cachePort, graphicsPort } from './adapters.js';
export { App } from './components/App.js';
export { KeypressProvider, useKeypress, PRIORITY } from './hooks/use-keypress.js';
export { defaultKeymap, matchAction, helpSections, type Action, type KeyBinding, type InputMode } from './keymap.js';
export { parseKeys, type KeyPress } from './parse-key.js';
export type { LighttableServices, LibraryPort, CachePort, GraphicsPort } from './services.js';
