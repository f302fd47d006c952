import { open, readFile, rm, writeFile } from 'node:fs/promises';

/** What an interrupted run was doing, written (and fsynced) before it touched any file. */
export type Intent =
  | {
      kind: 'move';
      /** [from, to] absolute paths, images first. */
      files: [string, string][];
      /** Library images among them and where their files go. */
      images: { id: number; to: string }[];
    }
  | {
      kind: 'trash';
      /** Absolute paths sent to the trash. */
      files: string[];
      /** Library images to remove once their files are in the trash. */
      ids: number[];
    };

export interface PendingIntent {
  seq: number;
  intent: Intent;
}

/**
 * An append-only journal of file moves (export --move, trash-rejects) beside the library:
 * `<library>-moves.jsonl`. Each step appends its intent, does the work, records the library
 * change, then appends `done`. A run killed at any moment leaves intents without `done`, which
 * the next run finishes before anything else (every step of that is idempotent). A torn last
 * line (killed mid-append) is ignored: its work had not started, since an intent is fsynced
 * before the first file is touched. One run at a time per library, held by a lock file.
 */
export class MoveJournal {
  readonly file: string;
  readonly lockFile: string;
  /** The destination and root of the last `export --move` the journal saw (read by pending()). */
  lastExport: { dest: string; root: string } | undefined;
  private nextSeq = 1;
  private locked = false;

  constructor(libraryFile: string) {
    this.file = `${libraryFile}-moves.jsonl`;
    this.lockFile = `${libraryFile}-moves.lock`;
  }

  /** Takes the lock; a lock left by a dead process is taken over. */
  async lock(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(this.lockFile, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
        this.locked = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = Number((await readFile(this.lockFile, 'utf8').catch(() => '')).trim());
      if (holder > 0 && isAlive(holder)) {
        throw new Error(`another termtable (pid ${holder}) is moving files of this library; try again when it ends`);
      }
      await rm(this.lockFile, { force: true });
    }
    throw new Error(`cannot take the lock ${this.lockFile}`);
  }

  async unlock(): Promise<void> {
    if (!this.locked) return;
    this.locked = false;
    await rm(this.lockFile, { force: true });
  }

  /** Intents of earlier runs that never finished, oldest first. */
  async pending(): Promise<PendingIntent[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const open = new Map<number, Intent>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      let entry: { seq?: unknown; intent?: Intent; done?: unknown; export?: { dest: string; root: string } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue; // torn append from a killed run
      }
      if (typeof entry.seq === 'number') this.nextSeq = Math.max(this.nextSeq, entry.seq + 1);
      if (typeof entry.seq === 'number' && entry.intent) open.set(entry.seq, entry.intent);
      if (typeof entry.done === 'number') open.delete(entry.done);
      if (entry.export) this.lastExport = entry.export;
    }
    return [...open].map(([seq, intent]) => ({ seq, intent }));
  }

  /** Records an intent durably; returns its number for done(). */
  async begin(intent: Intent): Promise<number> {
    const seq = this.nextSeq++;
    await this.append({ seq, intent });
    return seq;
  }

  /**
   * Records where an `export --move` sends its files, so a run finishing it after an
   * interruption keeps the same sub-folders even once a whole film roll has already moved.
   */
  async beginExport(dest: string, root: string): Promise<void> {
    await this.append({ export: { dest, root } });
  }

  async done(seq: number): Promise<void> {
    await this.append({ done: seq });
  }

  /** Forgets everything once no intent is open (the journal would otherwise only grow). */
  async clear(): Promise<void> {
    await rm(this.file, { force: true });
    this.nextSeq = 1;
  }

  private async append(entry: object): Promise<void> {
    // A leading newline ends any torn line a killed run left, so this entry parses on its own.
    const fh = await open(this.file, 'a', 0o600);
    try {
      await fh.appendFile(`\n${JSON.stringify(entry)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
