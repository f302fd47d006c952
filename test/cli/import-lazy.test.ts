import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../helpers/corpus.js';
import { makeJpeg, tempDir } from '../db/helpers.js';

const run = promisify(execFile);

/** The packages a real `import` run of the binary loaded (bundled, or dist/ as compiled). */
async function importLoads(dir: string, bundled: boolean): Promise<{ loaded: Set<string>; stdout: string }> {
  const home = tempDir();
  const log = path.join(home, 'modules.log');
  const hook = path.join(REPO_ROOT, 'test', 'helpers', 'module-log.mjs');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    TT_MODULE_LOG: log,
  };
  if (bundled) delete env.TERMTABLE_NO_BUNDLE;
  else env.TERMTABLE_NO_BUNDLE = '1';
  const { stdout } = await run(process.execPath, ['--import', hook, BIN, 'import', '--json', '--no-thumbnails', dir], { env });
  const urls = readFileSync(log, 'utf8').split('\n');
  return { loaded: new Set(urls.flatMap((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1] ?? [])), stdout };
}

describe('import --json --no-thumbnails of JPEGs', () => {
  it('loads neither sharp nor cli-progress (no terminal, nothing to decode), bundled or not', async () => {
    const dir = tempDir();
    await makeJpeg(path.join(dir, 'a.jpg'), { make: 'Acme' });
    await makeJpeg(path.join(dir, 'b.jpg'), { size: 40 });
    for (const bundled of [true, false]) {
      const { loaded, stdout } = await importLoads(dir, bundled);
      expect(JSON.parse(stdout)).toMatchObject({ imported: 2, errors: [] });
      expect(loaded.has('better-sqlite3')).toBe(true);
      expect({ bundled, sharp: loaded.has('sharp'), cliProgress: loaded.has('cli-progress') }).toEqual({
        bundled,
        sharp: false,
        cliProgress: false,
      });
    }
  }, 60_000);

  it('still shows its progress bar on a terminal (cli-progress loaded then)', async () => {
    const dir = tempDir();
    for (const n of ['a', 'b', 'c']) await makeJpeg(path.join(dir, `${n}.jpg`));
    const home = tempDir();
    const env = { ...process.env, XDG_DATA_HOME: path.join(home, 'data'), XDG_CACHE_HOME: path.join(home, 'cache'), XDG_CONFIG_HOME: path.join(home, 'config') };
    const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    // script(1) gives the import a pty for stdin, stdout and stderr.
    const { stdout } = await run('script', ['-qc', [process.execPath, BIN, 'import', '--no-thumbnails', dir].map(quote).join(' '), '/dev/null'], { env });
    expect(stdout).toMatch(/importing \[[^\]]*\] 3\/3/);
    expect(stdout).toMatch(/imported 3, updated 0/);
  }, 60_000);
});
