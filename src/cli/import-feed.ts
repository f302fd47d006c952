/**
 * The ids of images an import has just written, handed to the thumbnail maker while the
 * import goes on reading the next files' metadata: the two overlap instead of running one
 * after the other (the metadata readers mostly wait on their workers, the thumbnails on
 * libvips). A few lines of queue, so no dependency.
 */
export class IdFeed implements AsyncIterable<readonly number[]> {
  #chunks: (readonly number[])[] = [];
  #ended = false;
  #wake: (() => void) | undefined;
  #fed = 0;
  #endedPromise: Promise<void>;
  #markEnded!: () => void;

  constructor() {
    this.#endedPromise = new Promise((resolve) => {
      this.#markEnded = resolve;
    });
  }

  /** How many ids were pushed so far. */
  get fed(): number {
    return this.#fed;
  }

  /** Settles once end() was called: every id is known. */
  get ended(): Promise<void> {
    return this.#endedPromise;
  }

  push(ids: readonly number[]): void {
    if (this.#ended || ids.length === 0) return;
    this.#chunks.push(ids);
    this.#fed += ids.length;
    this.#wake?.();
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#markEnded();
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<readonly number[]> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk) {
        yield chunk;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}
