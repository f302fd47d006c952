/**
 * What the lighttable can start before its modules are loaded: reading the preferences and the
 * terminal probe. The probe is a round trip to the terminal (a few ms locally, the link's round
 * trip over SSH, up to its bound for a terminal that stays silent); asked here, by
 * src/cli/lighttable.ts before it imports run.js, the answers arrive while Ink and the rest load
 * instead of after. Only light modules are imported (no Ink, no sharp).
 */
import { loadPreferences, type LoadedPreferences, type ProtocolPref } from '../config/preferences.js';
import { detectTerminal, type Detection } from '../render/detect.js';

export interface LighttableStart {
  loaded: LoadedPreferences;
  detection: Detection;
}

export interface StartOptions {
  /** --protocol flag. */
  protocol?: ProtocolPref;
  /** @default process.stdin */
  stdin?: NodeJS.ReadStream;
  /** @default process.stdout */
  stdout?: NodeJS.WriteStream;
}

/**
 * Loads the preferences, then probes the terminal in raw mode (detect.ts). Nothing else may read
 * stdin until it resolves: keys typed meanwhile are handed back to the stream.
 */
export async function startLighttable(opts: StartOptions = {}): Promise<LighttableStart> {
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  const loaded = await loadPreferences();
  const detection = await detectTerminal({
    input: stdin as never,
    output: stdout,
    ...(opts.protocol ? { flag: opts.protocol } : {}),
    preference: loaded.prefs.protocol,
  });
  return { loaded, detection };
}

/**
 * Runs `load` (the import of the lighttable's modules) with the global fetch hidden. yoga-layout,
 * Ink's layout engine, instantiates its WebAssembly through fetch() of a data: URL whenever fetch
 * exists, and the first fetch loads Node's whole HTTP client (undici): about 25 ms of CPU at
 * every launch, an eighth of loading the bundled lighttable (measured with process.cpuUsage,
 * 182-232 ms against 153-202 ms). Without fetch it compiles the same bytes directly. Nothing
 * else runs fetch while the modules load; it is put back as it was.
 */
export async function withoutFetch<T>(load: () => Promise<T>): Promise<T> {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!descriptor?.configurable) return load();
  delete (globalThis as { fetch?: unknown }).fetch;
  try {
    return await load();
  } finally {
    Object.defineProperty(globalThis, 'fetch', descriptor);
  }
}
