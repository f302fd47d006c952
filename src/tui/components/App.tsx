import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { Box, Text } from 'ink';
import { describeFilter } from '../state/filter.js';
import { useKeypress, PRIORITY } from '../hooks/use-keypress.js';
import { useTerminalSize } from '../hooks/use-terminal-size.js';
import { KeyOrder, neverWaits, writesInOrder } from '../key-order.js';
import { matchAction, type InputMode } from '../keymap.js';
import { bodyHeight } from '../layout.js';
import type { KeyPress } from '../parse-key.js';
import { FilmRollPicker } from '../panels/FilmRollPicker.js';
import { HelpOverlay } from '../panels/HelpOverlay.js';
import { PreferencesPane } from '../panels/PreferencesPane.js';
import { isSelected, type LighttableState } from '../state/lighttable.js';
import { cacheTooSmall } from '../state/prefs.js';
import type { LighttableSnapshot, LighttableStore } from '../store.js';
import { BadgeContext } from './badges.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { CullingView } from './CullingView.js';
import { FilterPrompt } from './FilterPrompt.js';
import { Header } from './Header.js';
import { Preview } from './Preview.js';
import { StatusBar } from './StatusBar.js';
import { ThumbTable } from './ThumbTable.js';

export function inputMode(state: LighttableState): InputMode {
  switch (state.overlay?.kind) {
    case 'prompt':
      return 'prompt';
    case 'confirm':
      return 'confirm';
    case 'help':
      return 'help';
    case 'prefs':
    case 'filmroll':
      return 'pane';
    default:
      return state.view;
  }
}

/**
 * Each layer's handler checks the store's live mode (not the last render's): keys typed
 * faster than React renders, like "/>=3⏎", must reach the prompt the first key opened. While a
 * key's write is unfinished, later keys wait behind it (key-order.ts), and the first layer
 * asked takes them: when their turn comes they are read against the mode of that moment.
 */
function useKeys(store: LighttableStore) {
  const order = useMemo(() => new KeyOrder(), [store]);
  const act = (key: KeyPress, accepts: (m: InputMode) => boolean): { taken: boolean; write?: Promise<void> } => {
    const st = store.getSnapshot().state;
    const m = inputMode(st);
    if (!accepts(m)) return { taken: false };
    const action = matchAction(key, m, undefined, st.loupe.zoom !== 'fit');
    if (action) {
      const done = store.run(action).catch((err: unknown) => store.report(err));
      return { taken: true, write: writesInOrder(action) ? done : undefined };
    }
    if (m === 'prompt' && !key.ctrl && !key.meta && (key.name.length === 1 || key.name === 'space')) {
      store.typeText(key.name === 'space' ? ' ' : key.name);
    }
    return { taken: true };
  };
  const dispatch = (key: KeyPress, accepts: (m: InputMode) => boolean): boolean => {
    if (order.waiting) {
      const st = store.getSnapshot().state;
      if (!neverWaits(matchAction(key, inputMode(st), undefined, st.loupe.zoom !== 'fit'))) {
        order.after(() => act(key, () => true).write);
        return true;
      }
    }
    const r = act(key, accepts);
    if (r.write) order.hold(r.write);
    return r.taken;
  };
  useKeypress((key) => dispatch(key, (m) => m === 'prompt' || m === 'confirm'), { priority: PRIORITY.dialog });
  useKeypress((key) => dispatch(key, (m) => m === 'pane' || m === 'help'), { priority: PRIORITY.pane });
  useKeypress((key) => dispatch(key, (m) => m === 'grid' || m === 'preview' || m === 'culling'), { priority: PRIORITY.view });
}

export interface AppProps {
  store: LighttableStore;
}

/** Providers and layout only: header, the view (or a pane over it), status bar. */
export function App({ store }: AppProps) {
  const snap = useSyncExternalStore(store.subscribe, store.getView);
  const { columns, rows } = useTerminalSize();
  useEffect(() => store.resize(columns, rows), [store, columns, rows]);
  useKeys(store);
  const { state } = snap;
  const height = bodyHeight(state.rows);
  // In culling the header counts the image the culling keys act on, not the grid cursor.
  const cullingId = state.view === 'culling' ? state.culling.ids[state.culling.focus] : undefined;
  const position = useMemo(
    () => (cullingId === undefined ? state.cursor : Math.max(0, store.services.library.indexOf(state.query, cullingId))),
    [store, cullingId, state.cursor, state.query, state.total],
  );
  const skull = store.graphics.skull.bind(store.graphics);
  const overlay = state.overlay;

  let body;
  if (state.columns < 24 || state.rows < 10) {
    body = <Text color="yellow">terminal too small ({state.columns}×{state.rows}); 24×10 at least</Text>;
  } else if (state.total === 0 && !overlay) {
    body = (
      <Box flexDirection="column" paddingX={2} paddingY={1}>
        <Text bold>No images here.</Text>
        <Text color="gray">
          {describeFilter(state.query) || state.query.filmRoll || state.query.folders
            ? 'Nothing matches this collection: / changes the filter, c the film roll.'
            : 'Import a folder of photos: quit (q) and run `termtable ~/Pictures/some-folder`.'}
        </Text>
      </Box>
    );
  } else if (overlay?.kind === 'help') body = <HelpOverlay height={height} columns={state.columns} />;
  else if (overlay?.kind === 'prefs') {
    const thumbLevelPx = 512;
    const avg = store.services.cache.averageEntryBytes();
    const perPage = state.perRow * state.rowsVisible;
    const tooSmall = avg
      ? snap.prefs.cacheSizeMB * 1024 * 1024 < 2 * perPage * avg
      : cacheTooSmall(snap.prefs, perPage, thumbLevelPx);
    body = (
      <PreferencesPane
        prefs={snap.prefs}
        file={store.services.prefsFile}
        index={overlay.index}
        stats={store.services.cache.describeStats()}
        warning={tooSmall ? `the memory cache cannot hold two screens of thumbnails (${perPage} per screen): paging will thrash; raise its size` : null}
        height={height}
        columns={state.columns}
      />
    );
  } else if (overlay?.kind === 'filmroll') {
    body = <FilmRollPicker rolls={snap.filmRolls} opened={state.opened} index={overlay.index} query={state.query} height={height} columns={state.columns} />;
  } else if (state.view === 'preview') body = <Preview snapshot={snap} skull={skull} height={height} />;
  else if (state.view === 'culling') body = <CullingView snapshot={snap} skull={skull} height={height} />;
  else {
    body = (
      <ThumbTable
        mode="grid"
        slots={snap.layout.slots}
        recordFor={(s) => snap.records.get(s.index)}
        thumbs={snap.thumbs}
        pairs={snap.pairs}
        isCursor={(s) => s.index === state.cursor}
        isSelected={(id) => isSelected(state, id)}
        skull={skull}
        height={height}
      />
    );
  }

  let status;
  if (overlay?.kind === 'prompt') status = <FilterPrompt purpose={overlay.purpose} text={overlay.text} title={overlay.title} hint={overlay.hint} columns={state.columns} />;
  else if (overlay?.kind === 'confirm') status = <ConfirmDialog question={overlay.question} hint={overlay.hint} columns={state.columns} />;
  else {
    status = (
      <StatusBar
        current={snap.current}
        pairNames={snap.current ? snap.pairs.get(snap.current.id) : undefined}
        generation={snap.generation}
        message={state.message}
        notices={snap.notices}
        columns={state.columns}
        loupe={snap.loupe}
        histogram={snap.exposure.histogram}
        clipping={snap.exposure.clipping && state.view !== 'grid'}
      />
    );
  }

  return (
    <Box flexDirection="column" width={state.columns} height={state.rows - 1}>
      <Header
        query={state.query}
        total={state.total}
        cursor={position}
        view={state.view}
        selected={state.selection.all ? 'all' : state.selection.ids.size}
        columns={state.columns}
      />
      <Box height={height} overflowY="hidden">
        <BadgeContext.Provider value={{ sharpness: snap.stacks.sharpnessBadges }}>{body}</BadgeContext.Provider>
      </Box>
      {status}
    </Box>
  );
}
