import type { Preferences, ProtocolPref } from '../config/preferences.js';
import { savePreferences } from '../config/preferences.js';
import { configPath } from '../config/paths.js';
import type { MipmapCache } from '../cache/mipmap-cache.js';
import { applyCulling, removeImages, rotateImages } from '../db/culling.js';
import { groupsOf } from '../db/groups.js';
import { pickFromStack } from '../db/stacks-pick.js';
import { restackFilmRolls, stackMembers } from '../db/stacks.js';
import { resyncSidecar } from '../db/sidecar-sync.js';
import { redo, undo } from '../db/undo.js';
import type { Library } from '../db/library.js';
import { createRenderer, renderSkull, type Renderer, type TerminalCaps } from '../render/index.js';
import { EncodedDiskCache, encodedDirBeside } from '../render/encoded-disk-cache.js';
import { sanitizeText } from '../util/sanitize.js';
import { withStackExpansion } from './store/stack-expansion.js';
import { FullSizeSources } from './loupe/sources.js';
import { budgetLines, memoryBudget, thumbnailPrefs } from './memory-budget.js';
import { pictureThreadBytes } from './screen/picture-thread.js';
import { TextPainter } from './text-painter.js';
import { filesPort } from './files-port.js';
import type { CachePort, GraphicsPort, LibraryPort, LighttableServices } from './services.js';

/** The real Library behind the lighttable's LibraryPort. */
/**
 * The real Library behind the lighttable's LibraryPort. `pairs` says whether RAW+JPEG pairs are
 * one item (preference rawJpegPairs): queries then list the leaders, decisions reach both files.
 */
export function libraryPort(lib: Library, pairs: () => boolean = () => true): LibraryPort {
  const q = (query: Parameters<LibraryPort['count']>[0]) => ({ ...query, groupPairs: pairs() });
  return withStackExpansion({
    count: (query) => lib.count(q(query)),
    page: (query, offset, limit) => lib.page(q(query), offset, limit),
    indexOf: (query, id) => lib.indexOf(q(query), id),
    get: (id) => lib.get(id),
    readOnlyReason: () => (lib.readOnly ? (lib.readOnlyReason ?? 'read-only') : null),
    async resyncSidecars(ids) {
      let changed = false;
      for (const id of ids) if ((await resyncSidecar(lib, id)).updated) changed = true;
      return changed;
    },
    pairNames(ids) {
      const out = new Map<number, string[]>();
      if (!pairs()) return out;
      for (const [id, g] of groupsOf(lib, ids)) {
        if (g.members.length < 2) continue;
        out.set(id, lib.getMany(g.members).map((r) => r.filename));
      }
      return out;
    },
    pairMembers(id) {
      if (!pairs()) return [];
      const g = groupsOf(lib, [id]).get(id);
      return g && g.members.length > 1 ? lib.getMany(g.members) : [];
    },
    filmRolls: () => lib.filmRolls(),
    // Journaled (undo brings them back) and pair-aware, the same paths as `set` and `remove`.
    rotate: (ids, delta) => rotateImages(lib, ids, delta, { groupPairs: pairs() }),
    remove: (ids) => removeImages(lib, ids, { groupPairs: pairs() }),
    applyCulling: (ids, change) => applyCulling(lib, ids, change, { groupPairs: pairs() }),
    undo: () => undo(lib),
    redo: () => redo(lib),
    stackMembers: (id) => stackMembers(lib, id),
    hasStacks: () => lib.hasStacks(),
    restack: (opts) => restackFilmRolls(lib, undefined, opts),
    pickFromStack: (id) => pickFromStack(lib, id, { groupPairs: pairs() }),
  });
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The real MipmapCache behind the lighttable's CachePort. The cache gets its share of the memory
 * bound (memory-budget.ts); `pictures` reports the encoded-picture cache for the pane.
 */
export function cachePort(cache: MipmapCache, pictures: () => { entries: number; bytes: number; maxBytes: number } = () => ({ entries: 0, bytes: 0, maxBytes: 0 })): CachePort {
  return {
    get: (subject, level, opts) => cache.get(subject, level, opts),
    bestEffort: (subject, level) => cache.peek(subject, level) ?? cache.bestEffort(subject, level),
    retryFailed: (ids) => cache.retryFailed(ids),
    generateMissing: (opts) =>
      cache.generateMissing({
        subjects: opts.subjects,
        minLevel: opts.minLevel,
        maxLevel: opts.maxLevel,
        signal: opts.signal,
        onProgress: (p) => opts.onProgress({ done: p.seen, total: 0, failed: p.failed }),
      }),
    setPreferences: (prefs) => cache.setPreferences(thumbnailPrefs(prefs)),
    notices() {
      const out = [...cache.warnings];
      const disk = cache.diskProblem;
      if (disk) out.push(`disk cache not written (${disk.message}): thumbnails are made and shown from memory`);
      return out;
    },
    describeStats() {
      const s = cache.memoryStats();
      const lookups = s.hits + s.misses;
      return [
        `memory: ${s.entries} thumbnails, ${mb(s.bytes)} of ${mb(s.maxBytes)}; hit rate ${lookups ? Math.round((s.hits / lookups) * 100) : 0}% (${s.hits}/${lookups}), ${s.evictions} evicted`,
        `encoded pictures: ${pictures().entries}, ${mb(pictures().bytes)} of ${mb(pictures().maxBytes)}`,
        `failed thumbnails remembered: ${s.deadEntries}; queue: ${s.queue.queued} waiting, ${s.queue.running} running`,
        `disk backend: ${cache.preferences.diskBackend ? cache.diskDir : 'off'}`,
        // The saved cache's and the disk's problems, in the pane as well as the status line.
        ...this.notices().map((n) => `warning: ${sanitizeText(n)}`),
      ];
    },
    averageEntryBytes() {
      const s = cache.memoryStats();
      return s.entries >= 8 ? s.bytes / s.entries : undefined;
    },
    close: async () => {
      await cache.close();
    },
    closeSync: () => {
      cache.closeSync();
    },
  };
}

/**
 * A render Renderer behind the lighttable's GraphicsPort. Half-blocks are painted by the
 * TextPainter after each frame rather than placed in <Text> (see text-painter.ts for the
 * measurement); kitty Unicode placeholders stay in-tree, where tmux can clip them.
 */
export function graphicsPort(renderer: Renderer): GraphicsPort {
  const blocks = renderer.caps.protocol === 'blocks';
  const text = new TextPainter();
  return {
    caps: renderer.caps,
    inTree: renderer.encoder.inTree && !blocks,
    encode: (input, box, signal) => renderer.render(input, box, signal ? { signal } : {}),
    skull: (input, box) => renderSkull(input, box),
    frameUnits: (placements, ahead) => {
      if (blocks) return text.frameUnits(placements);
      // Pictures are repainted only when their cells were touched, and the cell diff never
      // writes inside a picture, so nothing but a change or an invalidation damages one.
      return renderer.painter.frameUnits(placements, { damaged: () => false, ...(ahead ? { ahead } : {}) });
    },
    abandon: (unit) => (blocks ? text.abandon(unit) : renderer.painter.abandon(unit)),
    replaceAll: () => {
      text.invalidate();
      renderer.painter.replaceAll();
    },
    invalidate: () => {
      text.invalidate();
      renderer.painter.invalidate();
    },
    clearAll: () => text.clearAll() + renderer.painter.clearAll(),
  };
}

export interface RealServicesOptions {
  library: Library;
  cache: MipmapCache;
  caps: TerminalCaps;
  prefs: Preferences;
  prefsWarning?: string;
  /** Caps for a protocol picked in the preferences pane (re-detection is not possible once Ink owns stdin). */
  capsFor?: (pref: ProtocolPref) => TerminalCaps;
}

/** Everything the lighttable needs, from the real layers. `renderers` collects them for closing. */
export function realServices(opts: RealServicesOptions): { services: LighttableServices; renderers: Renderer[] } {
  const pictureBytes = () => memoryBudget(services.prefs.cacheSizeMB).pictures;
  // Encoded sixel and iTerm2 pictures beside the thumbnails, when those are kept on disk: a warm
  // launch reads the first page's pictures instead of encoding them (encoded-disk-cache.ts).
  const diskCache = opts.cache.preferences.diskBackend ? new EncodedDiskCache({ dir: encodedDirBeside(opts.cache.diskDir) }) : undefined;
  const withDisk = diskCache ? { diskCache } : {};
  const renderers: Renderer[] = [createRenderer(opts.caps, { textErases: true, cacheBytes: memoryBudget(opts.prefs.cacheSizeMB).pictures, ...withDisk })];
  const current = () => renderers[renderers.length - 1]!;
  const cache = cachePort(opts.cache, () => current().stats());
  const library = libraryPort(opts.library, () => services.prefs.rawJpegPairs !== 'separate');
  const fullSize = new FullSizeSources({ maxBytes: memoryBudget(opts.prefs.cacheSizeMB).loupe, pairMembers: (r) => library.pairMembers?.(r.id) ?? [] });
  const services: LighttableServices = {
    library,
    cache: {
      ...cache,
      setPreferences(prefs) {
        services.prefs = prefs;
        cache.setPreferences(prefs);
        current().setCacheBytes(pictureBytes());
        fullSize.setMaxBytes(memoryBudget(prefs.cacheSizeMB).loupe);
      },
      describeStats() {
        const lines = cache.describeStats();
        const st = fullSize.stats();
        lines.splice(2, 0, `loupe full-size sources: ${st.entries}, ${mb(st.bytes)} of ${mb(st.maxBytes)}${st.decoding ? `, ${st.decoding} decoding` : ''}`);
        // Every part against the preference, the sixel workers' and the picture thread's memory included.
        const pictures = current().stats();
        lines.splice(3, 0, ...budgetLines(services.prefs.cacheSizeMB, { thumbnails: opts.cache.memoryStats(), pictures, workers: pictures.workers, workerBytes: pictures.workerBytes, writerBytes: pictureThreadBytes(), loupe: st }));
        return lines;
      },
    },
    fullSize,
    graphics: graphicsPort(renderers[0]!),
    prefs: opts.prefs,
    savePreferences: (p) => savePreferences(p),
    prefsFile: configPath(),
    files: filesPort(opts.library),
    ...(opts.prefsWarning ? { prefsWarning: opts.prefsWarning } : {}),
  };
  if (opts.capsFor) {
    const capsFor = opts.capsFor;
    services.switchProtocol = (pref) => {
      const renderer = createRenderer(capsFor(pref), { textErases: true, cacheBytes: pictureBytes(), ...withDisk });
      renderers.push(renderer);
      services.graphics = graphicsPort(renderer);
    };
  }
  return { services, renderers };
}
