import type { StoreHost } from './host.js';
import type { StackEffects } from './stacks.js';

/**
 * Entering and leaving the culling view. A set of two or more selected images is compared;
 * otherwise the burst stack under the cursor, its frames side by side (focus on that frame);
 * otherwise this image and the next (darktable's default of two).
 */
export function enterCulling(host: StoreHost, stacks?: StackEffects): void {
  const s = host.state;
  if (s.total === 0) return;
  if (s.selection.ids.size >= 2 && !s.selection.all) {
    host.apply({ type: 'view', view: 'culling', culling: [...s.selection.ids].slice(0, 8) });
    return;
  }
  const stack = stacks?.stackToOpen();
  if (stack) {
    host.apply({ type: 'view', view: 'culling', culling: stack.ids });
    if (stack.focus > 0) {
      host.replaceState({ ...host.state, culling: { ...host.state.culling, focus: stack.focus } });
      host.publish();
    }
    return;
  }
  host.apply({ type: 'view', view: 'culling', culling: host.services.library.page(s.query, s.cursor, 2).map((r) => r.id) });
}

/** Back to the grid; leaving culling puts the grid cursor on the image that had the focus. */
export function backToGrid(host: StoreHost): void {
  const s = host.state;
  const focusId = s.view === 'culling' ? s.culling.ids[s.culling.focus] : undefined;
  host.apply({ type: 'view', view: 'grid' });
  if (focusId !== undefined) {
    const idx = host.services.library.indexOf(host.state.query, focusId);
    if (idx >= 0) host.apply({ type: 'setTotal', total: host.state.total, cursor: idx });
  }
}
