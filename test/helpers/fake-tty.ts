import { EventEmitter } from 'node:events';

/**
 * A stdin Ink accepts as a raw-mode TTY: what a test or benchmark `write`s arrives as typed
 * keys (Ink reads it on 'readable').
 */
export class FakeTtyStdin extends EventEmitter {
  isTTY = true;
  #queue: string[] = [];
  write(data: string): void {
    this.#queue.push(data);
    this.emit('readable');
  }
  read = (): string | null => this.#queue.shift() ?? null;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}
