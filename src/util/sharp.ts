/**
 * sharp, loaded as CommonJS. Its ES-module build (dist/index.mjs) costs about 35 ms more CPU
 * to load than dist/index.cjs (node -e "require('sharp')" 0.08 s against an import 0.11-0.12 s,
 * measured side by side), in every command and worker that decodes a picture; the library is
 * the same object either way.
 */
import { createRequire } from 'node:module';
import type SharpModule from 'sharp';

const require = createRequire(import.meta.url);
const sharp = require('sharp') as typeof SharpModule;
export default sharp;
