import { isColorLabel } from '../labels.js';
import { COLOR_LABELS, type ColorLabel } from '../types.js';
import { arrayValues, findProperty, NS, parseXmp, simpleValue, type XmpDoc } from './model.js';

/**
 * Culling as the tools write it. Labels come from the first convention present, in this order:
 * darktable:colorlabels (the full set, and what darktable keeps current), digiKam:ColorLabel
 * then photoshop:Urgency (digiKam's own order, dmetadata_labels.cpp), then xmp:Label
 * (Lightroom's one colour name, any case). A reject is xmp:Rating -1 (darktable, Lightroom)
 * or digiKam:PickLabel 1.
 */
export interface XmpCulling {
  rating: number;
  rejected: boolean;
  labels: ColorLabel[];
  hasRating: boolean;
  /** tiff:Orientation (1-8) when the packet has a valid one. */
  orientation: number | null;
  /** Which label convention the labels were read from; null when the packet has none. */
  labelSource: 'darktable' | 'digiKam' | 'urgency' | 'xmp' | null;
}

/** digiKam's colour numbers (0 none, 1 red, 2 orange, 3 yellow, 4 green, 5 blue, 6 magenta, 7-9 grey, black, white). */
export const DIGIKAM_COLORS: Readonly<Record<number, ColorLabel>> = { 1: 'red', 3: 'yellow', 4: 'green', 5: 'blue', 6: 'purple' };

export function digiKamNumber(label: ColorLabel | undefined): number {
  if (!label) return 0;
  return Number(Object.entries(DIGIKAM_COLORS).find(([, l]) => l === label)![0]);
}

/** Lightroom's colour label names; the label is free text there, so unknown names are ignored. */
export function labelFromName(name: string): ColorLabel | undefined {
  const lower = name.trim().toLowerCase();
  return isColorLabel(lower) ? lower : undefined;
}

/** Lightroom's spelling: "Red", "Yellow", "Green", "Blue", "Purple". */
export function labelName(label: ColorLabel): string {
  return label[0]!.toUpperCase() + label.slice(1);
}

const int = (s: string): number | undefined => (/^[+-]?\d+$/.test(s) ? Number(s) : undefined);

export function cullingOfDoc(doc: XmpDoc): XmpCulling {
  let rating = 0;
  let rejected = false;
  let hasRating = false;
  for (const hit of findProperty(doc, NS.xmp, 'Rating')) {
    const n = Number.parseFloat(simpleValue(hit));
    if (!Number.isFinite(n)) continue;
    hasRating = true;
    if (n < 0) rejected = true;
    else rating = Math.min(5, Math.round(n));
  }
  for (const hit of findProperty(doc, NS.digiKam, 'PickLabel')) if (int(simpleValue(hit)) === 1) rejected = true;

  const labels = new Set<ColorLabel>();
  let labelSource: XmpCulling['labelSource'] = null;
  const dt = findProperty(doc, NS.darktable, 'colorlabels');
  const dk = findProperty(doc, NS.digiKam, 'ColorLabel').filter((h) => simpleValue(h) !== '');
  const urgency = findProperty(doc, NS.photoshop, 'Urgency').filter((h) => {
    const n = int(simpleValue(h));
    return n !== undefined && n >= 0 && n <= 9;
  });
  const lr = findProperty(doc, NS.xmp, 'Label');
  if (dt.length) {
    labelSource = 'darktable';
    for (const hit of dt) {
      for (const v of arrayValues(hit)) {
        const label = COLOR_LABELS[int(v) ?? -1];
        if (label) labels.add(label);
      }
    }
  } else if (dk.length || urgency.length) {
    labelSource = dk.length ? 'digiKam' : 'urgency';
    for (const hit of dk.length ? dk : urgency) {
      const label = DIGIKAM_COLORS[int(simpleValue(hit)) ?? -1];
      if (label) labels.add(label);
    }
  } else if (lr.length) {
    labelSource = 'xmp';
    for (const hit of lr) {
      const label = labelFromName(simpleValue(hit));
      if (label) labels.add(label);
    }
  }
  let orientation: number | null = null;
  for (const hit of findProperty(doc, NS.tiff, 'Orientation')) {
    const n = int(simpleValue(hit));
    if (n !== undefined && n >= 1 && n <= 8) orientation = n;
  }
  return { rating, rejected, labels: COLOR_LABELS.filter((l) => labels.has(l)), hasRating, labelSource, orientation };
}

/** Culling data of a sidecar's text. Throws XmpError when the text is not well-formed XMP. */
export function readXmpCulling(text: string): XmpCulling {
  return cullingOfDoc(parseXmp(text));
}
