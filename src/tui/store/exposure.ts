import sharp from '../../util/sharp.js';
import { afterForeground } from '../screen/foreground.js';
import { luminanceHistogram } from '../../analysis/histogram.js';
import type { ImageRecord } from '../../db/types.js';
import type { PixelOverlay } from '../pipeline/pixel-overlay.js';
import type { StoreHost } from './host.js';

/** What the status line shows of exposure: whether the clipping overlay is on, the current image's histogram. */
export interface ExposureSnapshot {
  clipping: boolean;
  /** Luma counts 0-255 of the current image's thumbnail; null until computed (or not in a large view). */
  histogram: Uint32Array | null;
}

/** Histograms kept, most recent last: 1 KiB each. */
const MAX_HISTOGRAMS = 256;

/**
 * The exposure aids of the full preview and the culling view: the clipping overlay (o), baked
 * into the large pictures by the pipeline, and the luminance histogram of the image shown,
 * counted from its mip1 thumbnail (256 pixels, usually in memory already: decoded by libvips
 * off the UI thread, counted in well under a millisecond).
 */
export class ExposureEffects {
  readonly #host: StoreHost;
  #clipping = false;
  readonly #histograms = new Map<string, Uint32Array>();
  readonly #computing = new Set<string>();
  /** The image whose histogram the status line waits for (a computation ahead may be it). */
  #shownKey = '';

  constructor(host: StoreHost) {
    this.#host = host;
  }

  /** The overlay the pipeline paints into large pictures, if any. */
  get overlay(): PixelOverlay | undefined {
    return this.#clipping ? 'clipping' : undefined;
  }

  toggleClipping(): void {
    this.#clipping = !this.#clipping;
    this.#host.syncThumbs(false);
    if (this.#host.state.view === 'grid') this.#host.message(`clipping overlay ${this.#clipping ? 'on' : 'off'} (shown in the preview and the culling view)`);
    else this.#host.publish();
  }

  /** For the snapshot: the histogram of `rec` when a large view shows it (computed in the background on first ask). */
  snapshot(rec: ImageRecord | undefined): ExposureSnapshot {
    const large = this.#host.state.view !== 'grid';
    return { clipping: this.#clipping, histogram: large && rec ? this.#histogram(rec) : null };
  }

  /**
   * The histograms of the images the full preview may show next (its neighbours), computed
   * ahead: drawn when it came, the next image's status line was a second frame about 27 ms
   * after the picture (bench next-image, kitty).
   */
  ahead(recs: readonly ImageRecord[]): void {
    // After the shown image's picture is written: its write stalls behind this work otherwise.
    afterForeground(() => {
      if (!this.#host.closed) for (const rec of recs) this.#histogram(rec, false);
    });
  }

  #histogram(rec: ImageRecord, shown = true): Uint32Array | null {
    const key = `${rec.id}:${rec.mtime}:${rec.fileSize}:${rec.rotation}`;
    if (shown) this.#shownKey = key;
    const known = this.#histograms.get(key);
    if (known) return known;
    if (!this.#computing.has(key) && !this.#host.closed) {
      this.#computing.add(key);
      void this.#compute(rec, shown)
        .then((bins) => {
          if (!bins) return;
          this.#histograms.set(key, bins);
          while (this.#histograms.size > MAX_HISTOGRAMS) this.#histograms.delete(this.#histograms.keys().next().value!);
          if (key === this.#shownKey && !this.#host.closed) this.#host.publishSoon();
        })
        .catch(() => undefined) // a thumbnail that cannot be decoded has a skull, not a histogram
        .finally(() => this.#computing.delete(key));
    }
    return null;
  }

  async #compute(rec: ImageRecord, shown: boolean): Promise<Uint32Array | null> {
    const thumb = await this.#host.services.cache.get(rec, 1, { priority: shown ? 'visible' : 'prefetch' });
    if (!thumb.ok) return null;
    const { data, info } = await sharp(thumb.jpeg, { failOn: 'none' }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return luminanceHistogram(data, info.channels);
  }
}
