import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLURRED_BELOW } from '../../src/analysis/sharpness.js';
import { defaultPreferences, validatePreferences } from '../../src/config/preferences.js';
import { recordAnalyses, recordFocusPoint, unanalysedIds } from '../../src/db/library-analysis.js';
import { Library, type ImportWrite } from '../../src/db/library.js';
import { pickFromStack } from '../../src/db/stacks-pick.js';
import { captureMillis, restackFilmRolls, stackMembers } from '../../src/db/stacks.js';
import { rotateImages } from '../../src/db/culling.js';
import { undo } from '../../src/db/undo.js';
import { tempDir } from './helpers.js';

/*
 * The library side of bursts and focus (issue 13) on a real SQLite file: analyses stored,
 * stacks formed by time gap and hash distance, collapsed collections, sharpness sort and
 * filters, and pick-and-reject-others as one undoable step. The hashes here are chosen; the
 * pixels behind real ones are test/analysis/bursts.test.ts.
 */

const facts = (takenAt: string | null) => ({
  fileSize: 1000, mtime: 1_700_000_000_000, width: 100, height: 100, orientation: 1, maker: null, model: null,
  lens: null, exposureTime: null, fNumber: null, iso: null, focalLength: null, takenAt,
});

/** One roll of frames: [file name, capture time, dHash, sharpness]. */
function makeRoll(lib: Library, folder: string, frames: [string, string | null, string, number][]): number[] {
  const writes: ImportWrite[] = frames.map(([name, at]) => ({ kind: 'insert', folder, filename: name, facts: facts(at) }));
  const ids = lib.writeImportBatch(writes, '2024-01-01T00:00:00Z') as number[];
  recordAnalyses(
    lib,
    frames.map(([, , hash, sharpness], i) => ({
      id: ids[i]!, fileSize: 1000, mtime: 1_700_000_000_000,
      analysis: { sharpness, sharpnessGlobal: sharpness / 2, sharpestAt: { x: 0.25, y: 0.75 }, dhash: hash },
    })),
  );
  return ids;
}

const A = '0f0f0f0f0f0f0f0f';
const A2 = '0f0f0f0f0f0f0f1e'; // 2 bits from A
const B = 'f0f0f0f0f0f0f0f0'; // 64 bits from A

describe('burst stacks in the library', () => {
  it('groups frames within the gap that look alike, splits at the gap and at a different-looking frame', () => {
    const dir = tempDir();
    const lib = Library.open(path.join(dir, 'lib.db'));
    const roll = path.join(dir, 'roll');
    const ids = makeRoll(lib, roll, [
      ['a1.jpg', '2024-05-01T10:00:00', A, 10],
      ['a2.jpg', '2024-05-01T10:00:01', A2, 30],
      ['a3.jpg', '2024-05-01T10:00:02', A, 20],
      ['far.jpg', '2024-05-01T10:00:05', A, 25], // 3 s later: a new stack
      ['far2.jpg', '2024-05-01T10:00:06', A2, 5],
      ['other.jpg', '2024-05-01T10:00:07', B, 40], // 1 s later but another picture
      ['undated.jpg', null, A, 50],
    ]);
    expect(unanalysedIds(lib)).toEqual([]);
    restackFilmRolls(lib, undefined, { gapSeconds: 2, maxDistance: 12 });
    const byName = new Map(lib.getMany(ids).map((r) => [r.filename, r]));
    const [a1, a2, a3, far, far2, other, undated] = ids;
    expect(['a1.jpg', 'a2.jpg', 'a3.jpg'].map((n) => byName.get(n)!.stackId)).toEqual([a1, a1, a1]);
    expect(byName.get('a1.jpg')).toMatchObject({ stackSize: 3, stackPick: a2, sharpness: 10, dhash: A, sharpestAt: { x: 0.25, y: 0.75 } });
    expect(byName.get('far.jpg')).toMatchObject({ stackId: far, stackSize: 2, stackPick: far });
    expect(byName.get('far2.jpg')).toMatchObject({ stackId: far, stackSize: 2 });
    expect(byName.get('other.jpg')).toMatchObject({ stackId: other, stackSize: 1, stackPick: other });
    expect(byName.get('undated.jpg')).toMatchObject({ stackId: undated, stackSize: 1 });
    expect(stackMembers(lib, a3!).map((r) => r.id)).toEqual([a1, a2, a3]);

    // Collapsed: one row per stack, its suggested pick.
    expect(lib.page({ collapseStacks: true, sort: 'name' }, 0, 100).map((r) => r.filename)).toEqual([
      'a2.jpg', 'far.jpg', 'other.jpg', 'undated.jpg',
    ]);
    // A gap of 5 s joins the two runs; different-looking frames still split.
    restackFilmRolls(lib, undefined, { gapSeconds: 5, maxDistance: 12 });
    expect(lib.get(far2!)).toMatchObject({ stackId: a1, stackSize: 5, stackPick: a2 });
    expect(lib.get(other!)).toMatchObject({ stackSize: 1 });
    void a2;
    lib.close();
  });

  it('sorts by sharpness and filters sharp>=N and blurred', () => {
    const dir = tempDir();
    const lib = Library.open(path.join(dir, 'lib.db'));
    makeRoll(lib, path.join(dir, 'r'), [
      ['soft.jpg', '2024-05-01T10:00:00', A, BLURRED_BELOW - 1],
      ['crisp.jpg', '2024-05-01T11:00:00', B, 40],
      ['mid.jpg', '2024-05-01T12:00:00', A2, 20],
    ]);
    lib.writeImportBatch([{ kind: 'insert', folder: path.join(dir, 'r'), filename: 'new.jpg', facts: facts(null) }], 'x');
    const names = (q: Parameters<Library['page']>[0]) => lib.page(q, 0, 100).map((r) => r.filename);
    expect(names({ sort: 'sharpness' })).toEqual(['crisp.jpg', 'mid.jpg', 'soft.jpg', 'new.jpg']);
    expect(names({ sort: 'sharpness', minSharpness: 20 })).toEqual(['crisp.jpg', 'mid.jpg']);
    expect(names({ sort: 'sharpness', blurred: true })).toEqual(['soft.jpg']);
    expect(names({ sort: 'sharpness', blurred: false })).toEqual(['crisp.jpg', 'mid.jpg', 'new.jpg']);
    expect(lib.getByPath(path.join(dir, 'r', 'new.jpg'))).toMatchObject({ sharpness: null, dhash: null, sharpestAt: null, focusPoint: null });
    lib.close();
  });

  it('forgets the analysis of a file that changed, and stores the AF point', () => {
    const dir = tempDir();
    const lib = Library.open(path.join(dir, 'lib.db'));
    const [id] = makeRoll(lib, path.join(dir, 'r'), [['a.jpg', '2024-05-01T10:00:00', A, 10]]);
    recordFocusPoint(lib, id!, { x: 0.4, y: 0.6 });
    expect(lib.get(id!)).toMatchObject({ focusPoint: { x: 0.4, y: 0.6 } });
    // A measurement of another version of the file is refused.
    expect(recordAnalyses(lib, [{ id: id!, fileSize: 999, mtime: 1, analysis: { sharpness: 1, sharpnessGlobal: 1, sharpestAt: { x: 0, y: 0 }, dhash: B } }])).toEqual([]);
    lib.updateFileFacts(id!, { fileSize: 1000, mtime: 1_700_000_000_000 });
    expect(lib.get(id!)!.sharpness).toBe(10);
    lib.updateFileFacts(id!, { fileSize: 2000, mtime: 1_700_000_000_000 });
    expect(lib.get(id!)).toMatchObject({ sharpness: null, dhash: null, focusPoint: null });
    expect(unanalysedIds(lib)).toEqual([id]);
    lib.close();
  });

  it('reads sub-second capture times', () => {
    expect(captureMillis('2024-05-01T10:00:00', 0.25)! - captureMillis('2024-05-01T10:00:00', null)!).toBe(250);
    expect(captureMillis('2024-05-01T12:00:00+02:00', null)).toBe(captureMillis('2024-05-01T10:00:00', null));
    expect(captureMillis('garbage', null)).toBeNull();
  });

  it('picks one frame and rejects the others as one step that one undo takes back', async () => {
    const dir = tempDir();
    const lib = Library.open(path.join(dir, 'lib.db'));
    const ids = makeRoll(lib, path.join(dir, 'r'), [
      ['b1.jpg', '2024-05-01T10:00:00.0', A, 10],
      ['b2.jpg', '2024-05-01T10:00:00.5', A2, 30],
      ['b3.jpg', '2024-05-01T10:00:01.0', A, 20],
    ]);
    restackFilmRolls(lib);
    const { changed } = await pickFromStack(lib, ids[2]!, {});
    expect(changed.map((r) => [r.filename, r.rejected])).toEqual([['b1.jpg', true], ['b2.jpg', true]]);
    // The kept frame now stands for the stack, though another is sharper.
    expect(lib.get(ids[0]!)!.stackPick).toBe(ids[2]);
    expect(lib.page({ collapseStacks: true }, 0, 10).map((r) => r.filename)).toEqual(['b3.jpg']);
    const undone = await undo(lib);
    expect(undone!.entry.images).toBe(2);
    expect(lib.getMany(ids).map((r) => r.rejected)).toEqual([false, false, false]);
    expect(lib.page({ collapseStacks: true }, 0, 10).map((r) => r.filename)).toEqual(['b2.jpg']);
    lib.close();
  });

  it('takes the burst preferences from the config file, defaults for bad values', () => {
    expect(defaultPreferences()).toMatchObject({ burstGapSeconds: 2, burstSimilarity: 12 });
    expect(validatePreferences({ burstGapSeconds: 0.5, burstSimilarity: 20 }).prefs).toMatchObject({ burstGapSeconds: 0.5, burstSimilarity: 20 });
    const bad = validatePreferences({ burstGapSeconds: -1, burstSimilarity: 65.5 });
    expect(bad.prefs).toMatchObject({ burstGapSeconds: 2, burstSimilarity: 12 });
    expect(bad.problems).toHaveLength(2);
  });

  it('turns the sharpest tile and the AF point with the user rotation, and back on undo', async () => {
    const dir = tempDir();
    const lib = Library.open(path.join(dir, 'lib.db'));
    const [id] = makeRoll(lib, path.join(dir, 'r'), [['a.jpg', '2024-05-01T10:00:00', A, 10]]); // sharpest at (0.25, 0.75)
    recordFocusPoint(lib, id!, { x: 0.2, y: 0.1 });
    rotateImages(lib, [id!], 1);
    expect(lib.get(id!)).toMatchObject({ rotation: 1, sharpestAt: { x: 0.25, y: 0.25 }, focusPoint: { x: 0.9, y: 0.2 } });
    lib.setRotation([id!], 3); // two more turns
    expect(lib.get(id!)).toMatchObject({ sharpestAt: { x: 0.75, y: 0.75 } });
    lib.setRotation([id!], 1);
    await undo(lib); // the rotateImages step: back to 0
    expect(lib.get(id!)).toMatchObject({ rotation: 0, sharpestAt: { x: 0.25, y: 0.75 } });
    expect(lib.get(id!)!.focusPoint!.x).toBeCloseTo(0.2);
    expect(lib.get(id!)!.focusPoint!.y).toBeCloseTo(0.1);
    lib.close();
  });
});
