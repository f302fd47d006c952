import { COLOR_LABELS, type CollectionQuery, type ColorLabel } from '../../db/types.js';

/**
 * The `/` prompt's little language, parsed into the filter part of a CollectionQuery:
 *   >=3  ≥3  *3  rating:3   rating at least 3
 *   rejected  / -rejected   only rejected / hide rejected
 *   red  label:red          colour label
 *   sharp>=N                focus score at least N (unscored images are left out)
 *   blurred / -blurred      only blurred images / hide them (score below BLURRED_BELOW)
 *   anything else           file-name text
 * An empty line clears the filter.
 */
export type FilterFields = Pick<CollectionQuery, 'minRating' | 'rejected' | 'label' | 'text' | 'minSharpness' | 'blurred'>;

export function parseFilter(input: string): FilterFields {
  const out: FilterFields = {};
  const words: string[] = [];
  for (const token of input.trim().split(/\s+/).filter(Boolean)) {
    const lower = token.toLowerCase();
    const rating = /^(?:>=|≥|\*|rating:)([0-5])$/.exec(lower);
    if (rating) {
      out.minRating = Number(rating[1]);
      continue;
    }
    if (lower === 'rejected' || lower === 'rejects') {
      out.rejected = 'only';
      continue;
    }
    if (lower === '-rejected' || lower === '!rejected') {
      out.rejected = 'exclude';
      continue;
    }
    const sharp = /^(?:sharp(?:ness)?)(?:>=|≥|:)(\d+(?:\.\d+)?)$/.exec(lower);
    if (sharp) {
      out.minSharpness = Number(sharp[1]);
      continue;
    }
    if (lower === 'blurred' || lower === 'blurry') {
      out.blurred = true;
      continue;
    }
    if (lower === '-blurred' || lower === '!blurred') {
      out.blurred = false;
      continue;
    }
    const label = lower.startsWith('label:') ? lower.slice(6) : lower;
    if ((COLOR_LABELS as readonly string[]).includes(label)) {
      out.label = label as ColorLabel;
      continue;
    }
    words.push(token);
  }
  if (words.length) out.text = words.join(' ');
  return out;
}

/** The query with its filter replaced (sort and film roll kept). */
export function withFilter(query: CollectionQuery, filter: FilterFields): CollectionQuery {
  const { minRating: _r, rejected: _j, label: _l, text: _t, minSharpness: _s, blurred: _b, ...rest } = query;
  return { ...rest, ...filter };
}

/** The filter written back in the prompt's language (to pre-fill it and for the header). */
export function describeFilter(query: CollectionQuery): string {
  const parts: string[] = [];
  if (query.minRating !== undefined) parts.push(`>=${query.minRating}`);
  if (query.rejected === 'only') parts.push('rejected');
  if (query.rejected === 'exclude') parts.push('-rejected');
  if (query.minSharpness !== undefined) parts.push(`sharp>=${query.minSharpness}`);
  if (query.blurred === true) parts.push('blurred');
  if (query.blurred === false) parts.push('-blurred');
  if (query.label) parts.push(query.label);
  if (query.text) parts.push(query.text);
  return parts.join(' ');
}
