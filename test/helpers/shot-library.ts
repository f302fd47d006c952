import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BIN } from './corpus.js';
import { run } from './run.js';

/**
 * A library of its own under `root` with `photos` imported (thumbnails and focus scores made
 * before a terminal starts, so term-shot's fixed waits cover only the launch), and a script
 * that opens the lighttable on it, for term-shot to run: `root`/run.sh.
 */
export async function shotLibrary(root: string, photos: string, extraEnv: Record<string, string> = {}): Promise<string> {
  const env = { XDG_DATA_HOME: `${root}/data`, XDG_CACHE_HOME: `${root}/cache`, XDG_CONFIG_HOME: `${root}/config` };
  const imported = await run(process.execPath, [BIN, 'import', photos], { timeout: 120_000, env: { ...process.env, ...env } });
  if (imported.status !== 0) throw new Error(`import failed: ${imported.stderr}`);
  const vars = Object.entries({ ...env, ...extraEnv })
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  const script = path.join(root, 'run.sh');
  await writeFile(script, `#!/bin/sh\n${vars} exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${JSON.stringify(photos)}\n`);
  await chmod(script, 0o755);
  return script;
}
