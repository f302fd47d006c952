import path from 'node:path';
import type { CollectionQuery } from '../../db/types.js';
import { isWithin } from '../../util/folders.js';

/*
 * What the film-roll picker (`c`) offers and what each entry collects: all film rolls, the
 * folders the lighttable was opened on with their sub-folders (while there are any), then each
 * film roll. Pure: the picker draws the list, the store applies the scope chosen.
 */

/** The part of a query that says which film rolls it collects: neither field means all of them. */
export interface FilmRollScope {
  filmRoll?: string;
  folders?: readonly string[];
}

export interface FilmRollChoice {
  /** Unsanitised: the picker sanitises it as it draws it. */
  label: string;
  count: number;
  scope: FilmRollScope;
}

export interface FilmRollRow {
  path: string;
  imageCount: number;
}

const sameFolders = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((f, i) => f === b[i]);

/** Whether `roll` is one of `folders` or below one of them. */
export function underFolders(roll: string, folders: readonly string[]): boolean {
  return folders.some((f) => isWithin(roll, f));
}

/** The picker's entries, in order; `opened` is LighttableState.opened. */
export function filmRollChoices(rolls: readonly FilmRollRow[], opened: readonly string[] | undefined): FilmRollChoice[] {
  const all: FilmRollChoice = { label: 'all film rolls', count: rolls.reduce((n, r) => n + r.imageCount, 0), scope: {} };
  // Opened on one film roll, the lighttable has no `opened` (initialQuery): that roll's entry is it.
  const inTree = opened ? rolls.filter((r) => underFolders(r.path, opened)) : [];
  const tree: FilmRollChoice[] = opened
    ? [{ label: `${opened.join(', ')} and sub-folders`, count: inTree.reduce((n, r) => n + r.imageCount, 0), scope: { folders: opened } }]
    : [];
  return [all, ...tree, ...rolls.map((r) => ({ label: r.path, count: r.imageCount, scope: { filmRoll: r.path } }))];
}

/** Whether a choice is what `query` collects now. */
export function isCurrent(choice: FilmRollChoice, query: CollectionQuery): boolean {
  const { filmRoll, folders } = choice.scope;
  if (filmRoll !== undefined) return query.filmRoll === filmRoll && query.folders === undefined;
  if (folders !== undefined) return query.filmRoll === undefined && query.folders !== undefined && sameFolders(query.folders, folders);
  return query.filmRoll === undefined && query.folders === undefined;
}

/** The query collecting `scope`, its filter and sort kept. */
export function withScope(query: CollectionQuery, scope: FilmRollScope): CollectionQuery {
  const { filmRoll: _r, folders: _f, ...rest } = query;
  return { ...rest, ...(scope.filmRoll !== undefined ? { filmRoll: scope.filmRoll } : {}), ...(scope.folders ? { folders: scope.folders } : {}) };
}

/** The header's name of what is collected: the film roll's folder name, "shoot + sub-folders", "all film rolls". */
export function scopeName(query: CollectionQuery): string {
  if (query.filmRoll !== undefined) return path.basename(query.filmRoll) || query.filmRoll;
  const folders = query.folders;
  if (folders && folders.length === 1) return `${path.basename(folders[0]!) || folders[0]!} + sub-folders`;
  if (folders && folders.length > 1) return `${folders.length} folders`;
  return 'all film rolls';
}
