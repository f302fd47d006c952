import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { memoryBudget } from '../../src/tui/memory-budget.js';
import { makeCollection, makeStore, removeDir, renderApp, type Harness } from './fixture.js';
import type { Library } from '../../src/db/library.js';

const KEY = {
  up: '\x1b[A',
  down: '\x1b[B',
  left: '\x1b[D',
  right: '\x1b[C',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  home: '\x1b[H',
  end: '\x1b[F',
  enter: '\r',
  esc: '\x1b',
  del: '\x1b[3~',
  f1: '\x1bOP',
  f2: '\x1bOQ',
  f3: '\x1bOR',
  f4: '\x1bOS',
  f5: '\x1b[15~',
  ctrlA: '\x01',
  ctrlC: '\x03',
  backspace: '\x7f',
};

let root: string;
let library: Library;
let h: Harness;
let quits = 0;
let app: ReturnType<typeof renderApp>;

const byName = (name: string) => library.page({ sort: 'name' }, 0, 100).find((r) => r.filename === name)!;
const plain = (f: string) => f.replace(/\x1b\[[0-9;]*m/g, '');
const waitText = (text: string | RegExp) =>
  app.waitFor((f) => (typeof text === 'string' ? plain(f).includes(text) : text.test(plain(f))), String(text));

beforeAll(async () => {
  ({ root, library } = await makeCollection(30));
  h = await makeStore(library, root, { onQuit: () => quits++ });
  await h.store.run('collection.sort'); // name order: img-000 … img-029, zz-corrupt, zz-gone
  app = renderApp(h.store, 120, 40);
  await app.waitForImages();
});
afterAll(async () => {
  app.unmount();
  await h.close();
  library.close();
  await removeDir(root);
});

describe('grid: every key on a real library, real cache, half-blocks', () => {
  it('shows thumbnails, the skull with its cause, the header and the status bar', async () => {
    // Half-blocks are painted after the frame, at the cells the layout reserved.
    expect(app.screenBytes()).toMatch(/\x1b7(\x1b\[\d+;\d+H[^\x1b]*(\x1b\[[\d;]*m▀)+)/);
    await app.press(KEY.end);
    const f = await waitText('unsupported or');
    expect(plain(f)).toContain('32/32');
    expect(plain(f)).toMatch(/missing file/);
    expect(plain(f).split('\n').length).toBeLessThanOrEqual(39);
    await app.press(KEY.home);
    await waitText('1/32');
  });

  it('moves with arrows, hjkl, PgUp/PgDn, Home/End', async () => {
    await app.press(KEY.right);
    await waitText('2/32');
    await app.press('l');
    await waitText('3/32');
    await app.press('h', KEY.left);
    await waitText('1/32');
    await app.press(KEY.down);
    await waitText('7/32');
    await app.press('j');
    await waitText('13/32');
    await app.press('k', KEY.up);
    await waitText('1/32');
    await app.press(KEY.pageDown);
    await app.waitFor((f) => /\b(19|25)\/32/.test(plain(f)) && plain(f).includes('img-018'), 'next page');
    await app.press(KEY.pageUp);
    await waitText('1/32');
    await app.press(KEY.end);
    await waitText('32/32');
    await app.press(KEY.home);
    await waitText('1/32');
  });

  it('+ and - change thumbnails per row', async () => {
    await app.press('-');
    await app.waitFor((f) => plain(f).split('\n')[1]!.split('╮').length - 1 + (plain(f).split('\n')[1]!.includes('┓') ? 1 : 0) === 7, '7 per row');
    await app.press('+', '+');
    await app.waitFor((f) => plain(f).split('\n')[1]!.split('╮').length - 1 + (plain(f).split('\n')[1]!.includes('┓') ? 1 : 0) === 5, '5 per row');
    await app.press('-');
  });

  it('0-5 rate, r rejects, F1-F5 toggle labels: written to the library and the XMP sidecar at once', async () => {
    await app.press('4');
    await waitText('★★★★☆');
    expect(byName('img-000.jpg').rating).toBe(4);
    await app.press('r');
    await waitText('✗ rejected');
    expect(byName('img-000.jpg').rejected).toBe(true);
    await app.press('r');
    await app.waitFor(() => !byName('img-000.jpg').rejected, 'unreject');
    for (const k of [KEY.f1, KEY.f2, KEY.f3, KEY.f4, KEY.f5]) await app.press(k);
    await app.waitFor(() => byName('img-000.jpg').labels.length === 5, 'five labels');
    await app.press(KEY.f2, KEY.f4);
    await app.waitFor(() => byName('img-000.jpg').labels.join() === 'red,green,purple', 'labels toggled off');
    await app.press('0');
    await app.waitFor(() => byName('img-000.jpg').rating === 0, 'rating 0');
    await app.press('5');
    await app.waitFor(() => byName('img-000.jpg').rating === 5, 'rating 5');
    await h.store.run('grid.start'); // waits for nothing, but the writes are queued in order
    await app.waitFor(() => {
      const xmp = readFileSync(`${byName('img-000.jpg').path}.xmp`, 'utf8');
      return /Rating="5"|<xmp:Rating>5</.test(xmp) && /darktable:colorlabels/.test(xmp);
    }, 'sidecar with rating 5 and labels');
  });

  it('Space selects, culling keys act on the selection, ctrl-a selects all, Esc clears', async () => {
    await app.press(KEY.right, ' ', KEY.right, ' ');
    await waitText('2 selected');
    await app.press('3');
    await app.waitFor(() => byName('img-001.jpg').rating === 3 && byName('img-002.jpg').rating === 3, 'selection rated');
    expect(byName('img-000.jpg').rating).toBe(5);
    await app.press('\x1b');
    await app.waitFor((f) => !plain(f).includes('selected'), 'selection cleared');
    await app.press(KEY.ctrlA);
    await waitText('all selected');
    await app.press(KEY.f2);
    await app.waitFor(() => library.page({ label: 'yellow' }, 0, 100).length === 32, 'all labelled yellow');
    await app.press(KEY.f2);
    await app.waitFor(() => library.page({ label: 'yellow' }, 0, 100).length === 0, 'all unlabelled');
    await app.press('\x1b');
    await app.waitFor((f) => !plain(f).includes('selected'), 'selection cleared again');
    await app.press(KEY.home);
    await waitText('1/32');
  });

  it('[ and ] rotate (the thumbnail is remade)', async () => {
    await app.press(']');
    await app.waitFor(() => byName('img-000.jpg').rotation === 1, 'rotated cw');
    await app.press('[', '[');
    await app.waitFor(() => byName('img-000.jpg').rotation === 3, 'rotated ccw twice');
    await app.press(']');
    await app.waitFor(() => byName('img-000.jpg').rotation === 0, 'back upright');
  });

  it('/ filters by rating, rejected, label and name text; Esc cancels', async () => {
    await app.press('/', '>', '=', '3', KEY.enter);
    await waitText('filter: >=3');
    await waitText('1/3');
    await app.press('/');
    await waitText('/>=3');
    await app.press(KEY.backspace, KEY.backspace, KEY.backspace);
    for (const c of 'img-01') await app.press(c);
    await app.press(KEY.enter);
    await waitText('1/10');
    await app.press('/', KEY.esc);
    await waitText('filter: img-01');
    await app.press('/');
    for (let i = 0; i < 6; i++) await app.press(KEY.backspace);
    await app.press(KEY.enter);
    await waitText('1/32');
  });

  it('s cycles the sort, c picks the film roll', async () => {
    await app.press('s');
    await waitText('sort: rating');
    await app.press('s', 's', 's', 's'); // rating → imported → sharpness → taken → name
    await waitText('sort: name');
    await app.press('c');
    await waitText('Film roll');
    await app.press('j', KEY.enter);
    await waitText('photos');
    await app.press('c', 'k', KEY.enter);
    await waitText('all film rolls');
  });

  it('w / Enter open the full preview with a filmstrip; Esc leaves', async () => {
    await app.press('w');
    await waitText('· preview');
    await app.press(KEY.right);
    await waitText('12/32');
    await app.press('w');
    await waitText('· grid');
    await app.press(KEY.enter);
    await waitText('· preview');
    await app.press(KEY.esc); // alone: ESC followed at once by another sequence reads as Alt+key
    await waitText('· grid');
    await app.press(KEY.home);
  });

  it('x shows the image and the next side by side; keys act on the one under the cursor; x leaves', async () => {
    await app.press('x');
    await waitText('· culling');
    await app.press(KEY.right, '2');
    await app.waitFor(() => byName('img-001.jpg').rating === 2, 'culling rated the second');
    expect(byName('img-000.jpg').rating).toBe(5);
    // Rating the pair's last image moves on to the next pair (auto-advance), img-002 focused.
    // Waited for, not raced: the header already said 2/32 (the focused img-001) before x, and
    // an x that came after the advance left on img-002.
    const on = (view: string, position: string) => (f: string) => plain(f).includes(`· ${view}`) && plain(f).includes(` ${position} `);
    await app.waitFor(on('culling', '3/32'), 'the next pair');
    await app.press('x');
    await app.waitFor(on('grid', '3/32'), 'the grid on the image culling was on');
    await app.press(KEY.home);
  });

  it('g generates missing thumbnails in the background with progress; G retries failed ones', async () => {
    await app.press('g');
    await app.waitFor((f) => /generat(ing|ed)/.test(plain(f)), 'progress');
    await app.waitFor((f) => plain(f).includes('thumbnails generated'), 'done', 30_000);
    await app.press('G');
    await waitText('retrying failed');
    await app.press(KEY.esc);
  });

  it('Delete asks, n keeps, y removes from the library (the file stays)', async () => {
    await app.press(KEY.end, KEY.del);
    await waitText('Delete zz-gone.jpg');
    await app.press('n');
    await waitText('32/32');
    await app.press(KEY.del, 'y');
    await waitText('removed 1 image');
    await waitText('31/31');
    expect(library.count({})).toBe(31);
    expect(existsSync(byName('zz-corrupt.jpg').path)).toBe(true);
    await app.press(KEY.home);
  });

  it('? shows every key from the keymap; Esc closes', async () => {
    await app.press('?');
    const f = await waitText('toggle red label');
    expect(plain(f)).toContain('F1');
    expect(plain(f)).toContain('Ctrl+A');
    await app.press(KEY.esc);
    await waitText('img-000');
  });

  it('p: preferences change live, are saved, and survive a reload', async () => {
    await app.press('p');
    await waitText('memory cache size');
    expect(plain(app.lastFrame())).toMatch(/memory: \d+ thumbnails/);
    await app.press(KEY.right); // 512 → 1024 MB
    await waitText('1024 MB');
    await app.press('j', KEY.enter); // disk backend off
    await waitText('preferences saved');
    await app.press('j', 'j', 'j', 'j', 'j', 'l'); // concurrency 2 → 3
    const savedPrefs = () => {
      try {
        return JSON.parse(readFileSync(h.prefsFile, 'utf8')) as Record<string, unknown>;
      } catch {
        return {};
      }
    };
    await app.waitFor(() => savedPrefs().concurrency === 3, 'concurrency saved');
    expect(savedPrefs()).toMatchObject({ cacheSizeMB: 1024, diskBackend: false });
    // Applied live: the thumbnails' share of the bound (the rest is for encoded pictures).
    expect(h.cache.memoryStats().maxBytes).toBe(memoryBudget(1024).thumbnails);
    await app.press('k', 'k', KEY.enter);
    await waitText('monitor ICC profile');
    for (const c of '/x.icc') await app.press(c);
    await app.press(KEY.enter);
    await waitText('/x.icc');
    await app.waitFor(() => savedPrefs().monitorProfile === '/x.icc', 'profile saved');
    await app.press(KEY.esc);
    await waitText('img-000');
  });

  it('q quits and Ctrl-C quits', async () => {
    await app.press('q');
    await app.waitFor(() => quits === 1, 'quit');
    await app.press(KEY.ctrlC);
    await app.waitFor(() => quits === 2, 'interrupt');
  });
});
