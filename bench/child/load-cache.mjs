// One start-up's load of a saved memory cache, in a process of its own so its peak RSS is
// its own: node bench/child/load-cache.mjs DIST FILE CACHE_SIZE_MB
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, file, mb] = process.argv.slice(2);
const load = (rel) => import(pathToFileURL(path.join(dist, rel)).href);
const { MipmapCache } = await load('cache/mipmap-cache.js');
const { defaultPreferences } = await load('config/preferences.js');
const dir = path.dirname(file);
const cache = await MipmapCache.open({
  libraryPath: path.join(dir, 'library.db'),
  prefs: { ...defaultPreferences(), cacheSizeMB: Number(mb) },
  cacheFile: file,
  diskDir: path.join(dir, 'mipmaps.d'),
  saveCacheFile: false,
});
const st = cache.memoryStats();
if (cache.warnings.length) process.stderr.write(`${cache.warnings.join('\n')}\n`);
process.stdout.write(`${st.entries} entries, ${st.bytes} bytes of ${st.maxBytes}\n`);
await cache.close();
