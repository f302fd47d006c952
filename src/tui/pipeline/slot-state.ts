/**
 * The life of one slot on screen ("this slot shows image N at box B"), as explicit states and a
 * pure transition function. Effects (fetch from the cache, encode for the terminal) are returned,
 * not run: thumb-pipeline.ts runs them and feeds their outcomes back as events.
 *
 *   fetching ──fetched(same pixels as shown)──▶ shown
 *      │ ╰─────fetched(other pixels)──▶ encoding ──encoded──▶ shown
 *      ╰──fetched(failure) / encode failed──▶ failed
 *
 * While fetching or encoding, `shown` may already hold a picture: the memory cache's copy drawn
 * at once (provisional, until get() has looked at the file) or a smaller level standing in.
 */
import type { Thumb, ThumbCause, ThumbResult } from '../../cache/types.js';
import type { RenderedImage } from '../../render/types.js';

/** A picture the slot can show now. */
export interface Shown {
  image: RenderedImage;
  /** The thumbnail it was encoded from (identity tells a remade thumbnail apart). */
  jpeg: Buffer;
  offline: boolean;
  /** A smaller level drawn until the right one is ready. */
  standIn: boolean;
}

export type SlotPhase =
  | { kind: 'fetching' }
  | { kind: 'encoding'; thumb: Thumb }
  | { kind: 'shown' }
  | { kind: 'failed'; cause: ThumbCause; detail: string };

export interface SlotState {
  phase: SlotPhase;
  shown: Shown | null;
}

export type SlotEvent =
  /** A picture from memory (exact level or a stand-in) finished encoding. */
  | { type: 'provisional'; image: RenderedImage; thumb: Thumb; standIn: boolean }
  /** The cache answered get() for this slot (it looked at the file). */
  | { type: 'fetched'; result: ThumbResult }
  /** The fetched thumbnail finished encoding. */
  | { type: 'encoded'; image: RenderedImage; thumb: Thumb }
  | { type: 'encodeFailed'; thumb: Thumb; message: string };

export type SlotEffect = { type: 'encode'; thumb: Thumb };

export const FETCHING: SlotState = { phase: { kind: 'fetching' }, shown: null };

export function failedState(cause: ThumbCause, detail: string): SlotState {
  return { phase: { kind: 'failed', cause, detail }, shown: null };
}

function samePixels(shown: Shown | null, thumb: Thumb): boolean {
  return shown !== null && !shown.standIn && shown.jpeg === thumb.jpeg && shown.offline === Boolean(thumb.offline);
}

export function slotNext(state: SlotState, event: SlotEvent): { state: SlotState; effects: SlotEffect[] } {
  const { phase } = state;
  switch (event.type) {
    case 'provisional': {
      // Only while the real answer is not drawn yet, and never over a better picture.
      const sameAsAnswer =
        phase.kind === 'encoding' &&
        phase.thumb.jpeg === event.thumb.jpeg &&
        Boolean(phase.thumb.offline) === Boolean(event.thumb.offline);
      const waiting = phase.kind === 'fetching' || sameAsAnswer;
      if (!waiting) return { state, effects: [] };
      if (state.shown && !state.shown.standIn && event.standIn) return { state, effects: [] };
      const shown: Shown = { image: event.image, jpeg: event.thumb.jpeg, offline: Boolean(event.thumb.offline), standIn: event.standIn };
      // The very thumbnail get() answered with: it is the final picture (the two encodes merged).
      if (sameAsAnswer && !event.standIn) return { state: { phase: { kind: 'shown' }, shown }, effects: [] };
      return { state: { phase, shown }, effects: [] };
    }
    case 'fetched': {
      if (phase.kind !== 'fetching') return { state, effects: [] };
      const r = event.result;
      if (!r.ok) return { state: failedState(r.cause, r.detail), effects: [] };
      // Already drawn from the very same thumbnail: confirmed, nothing to encode.
      if (samePixels(state.shown, r)) return { state: { phase: { kind: 'shown' }, shown: state.shown }, effects: [] };
      return { state: { phase: { kind: 'encoding', thumb: r }, shown: state.shown }, effects: [{ type: 'encode', thumb: r }] };
    }
    case 'encoded': {
      if (phase.kind !== 'encoding' || phase.thumb.jpeg !== event.thumb.jpeg) return { state, effects: [] };
      const shown: Shown = { image: event.image, jpeg: event.thumb.jpeg, offline: Boolean(event.thumb.offline), standIn: false };
      return { state: { phase: { kind: 'shown' }, shown }, effects: [] };
    }
    case 'encodeFailed': {
      if (phase.kind !== 'encoding' || phase.thumb.jpeg !== event.thumb.jpeg) return { state, effects: [] };
      return { state: failedState('unsupported', `cannot draw: ${event.message}`), effects: [] };
    }
  }
}

/** Whether the slot still has work in flight (fetch or encode). */
export function isBusy(state: SlotState): boolean {
  return state.phase.kind === 'fetching' || state.phase.kind === 'encoding';
}
