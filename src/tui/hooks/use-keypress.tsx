import { createContext, useContext, useEffect, useRef, type ReactNode } from 'react';
import { useStdin } from 'ink';
import { createReplyFilter, parseKeys, takeReports, type KeyPress, type TerminalReports } from '../parse-key.js';
import { trace, tracing } from '../screen/trace.js';

/**
 * The one input entry point. Handlers register with a priority; each key goes to the
 * highest-priority active handler first, and a handler that returns true consumes it, so
 * an open pane takes keys before the grid sees them (gemini-cli's KeypressContext).
 */
export type KeypressHandler = (key: KeyPress) => boolean;

/** Priorities in use: base views, panes over them, dialogs over everything. */
export const PRIORITY = { view: 0, pane: 10, dialog: 20 } as const;

interface Registration {
  handler: { current: KeypressHandler };
  priority: number;
  order: number;
}

interface KeypressRegistry {
  add(reg: Registration): () => void;
}

const KeypressContext = createContext<KeypressRegistry | null>(null);
KeypressContext.displayName = 'KeypressContext';

export interface KeypressProviderProps {
  children: ReactNode;
  /** Terminal reports taken out of the input (DSR answers, focus changes). */
  onReports?: (reports: TerminalReports) => void;
  /** Every input event as it came, before keys are taken from it (replies to a re-probe). */
  onInput?: (raw: string) => void;
}

export function KeypressProvider({ children, onReports, onInput: onRaw }: KeypressProviderProps) {
  const { setRawMode, internal_eventEmitter: events, isRawModeSupported } = useStdin();
  const regs = useRef(new Set<Registration>());
  const reportsRef = useRef(onReports);
  reportsRef.current = onReports;
  const rawRef = useRef(onRaw);
  rawRef.current = onRaw;
  const registry = useRef<KeypressRegistry>({
    add(reg) {
      regs.current.add(reg);
      return () => regs.current.delete(reg);
    },
  });

  useEffect(() => {
    if (isRawModeSupported) setRawMode(true);
    const notAReply = createReplyFilter();
    const onInput = (event: string) => {
      if (tracing) trace('input', JSON.stringify(event));
      rawRef.current?.(event);
      const { keys, reports } = takeReports(event);
      if (reports.dsr || reports.focusIn) reportsRef.current?.(reports);
      if (!keys) return;
      const data = notAReply(keys);
      if (data === null) return;
      const ordered = [...regs.current].sort((a, b) => b.priority - a.priority || b.order - a.order);
      for (const key of parseKeys(data)) {
        for (const reg of ordered) if (reg.handler.current(key)) break;
      }
    };
    events.on('input', onInput);
    return () => {
      events.removeListener('input', onInput);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [events, setRawMode, isRawModeSupported]);

  return <KeypressContext.Provider value={registry.current}>{children}</KeypressContext.Provider>;
}

let registrations = 0;

export interface UseKeypressOptions {
  /** Higher runs first. @default PRIORITY.view */
  priority?: number;
  /** Inactive handlers see no keys. @default true */
  isActive?: boolean;
}

export function useKeypress(handler: KeypressHandler, options: UseKeypressOptions = {}): void {
  const registry = useContext(KeypressContext);
  if (!registry) throw new Error('useKeypress needs a <KeypressProvider> above it');
  const ref = useRef(handler);
  ref.current = handler;
  const { priority = PRIORITY.view, isActive = true } = options;
  useEffect(() => {
    if (!isActive) return;
    return registry.add({ handler: ref, priority, order: registrations++ });
  }, [registry, priority, isActive]);
}
