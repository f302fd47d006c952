import { createRequire } from 'node:module';
import type Exifr from 'exifr';
import { describe, expect, it } from 'vitest';
import { EXIFR_OPTIONS } from '../../src/db/exif-tags.js';
import { sharedOptions } from '../../src/db/exifr-options.js';

const exifr = createRequire(import.meta.url)('exifr') as typeof Exifr & {
  Options: { useCached(o: unknown): unknown };
};

/** What a message to the metadata worker delivers: a structured clone of the options. */
const delivered = () => structuredClone(EXIFR_OPTIONS) as Record<string, unknown>;

describe("exifr's options in the metadata worker", () => {
  it('are prepared once for every file, not once per message', () => {
    // Without sharing, each copy is a new key of exifr's cache: prepared again, kept forever.
    expect(exifr.Options.useCached(delivered())).not.toBe(exifr.Options.useCached(delivered()));
    expect(exifr.Options.useCached(sharedOptions(delivered()))).toBe(exifr.Options.useCached(sharedOptions(delivered())));
  });

  it('keep different options apart', () => {
    const cr3 = { tiff: true, exif: false, translateKeys: false };
    expect(sharedOptions(structuredClone(cr3))).toEqual(cr3);
    expect(sharedOptions(structuredClone(cr3))).not.toBe(sharedOptions(delivered()));
    expect(sharedOptions(delivered())).toEqual(EXIFR_OPTIONS);
  });
});
