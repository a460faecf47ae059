/**
 * Hands out regions of a few large Int32Arrays: the per-node buffers of a process's nodes (each
 * still private to its node: a node touches only the region it was given), packed side by side in
 * id order. On a large fleet a message reaches its recipient's buffer in one memory access instead
 * of two (a typed array's own object, then its separate backing store), and neighbouring nodes'
 * buffers share pages. `Int32Arena.single` gives each region a buffer of its own (tests).
 */
export interface Int32Region {
  /** The array holding the region (shared with other regions). */
  readonly buf: Int32Array;
  /** The region's first word in `buf`. */
  readonly at: number;
}

export class Int32Arena {
  private chunk: Int32Array = new Int32Array(0);
  private used = 0;

  /** @param chunkWords words per backing array (a region never spans two) */
  constructor(private readonly chunkWords = 1 << 18) {}

  /** A fresh region of `words` zeroed words. */
  take(words: number): Int32Region {
    if (this.used + words > this.chunk.length) {
      this.chunk = new Int32Array(Math.max(this.chunkWords, words));
      this.used = 0;
    }
    const at = this.used;
    this.used += words;
    return { buf: this.chunk, at };
  }

  /** A region in a buffer of its own. */
  static single(words: number): Int32Region {
    return { buf: new Int32Array(words), at: 0 };
  }
}
