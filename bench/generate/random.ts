/**
 * A small seeded generator (mulberry32): the same seed gives the same data on every machine, so that
 * two runs of the generator, and the figures measured on them, can be compared.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }

  shuffle<T extends { length: number; [index: number]: number }>(items: T): T {
    for (let index = items.length - 1; index > 0; index--) {
      const other = this.below(index + 1);
      const held = items[index] as number;
      items[index] = items[other] as number;
      items[other] = held;
    }
    return items;
  }
}

/**
 * Draws ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s (Zipf): rank 0 is the most
 * frequent. A table of cumulative weights and a binary search keep each draw O(log n).
 */
export class Zipf {
  private readonly cumulative: Float64Array;

  constructor(
    n: number,
    exponent: number,
    private readonly random: Random,
  ) {
    this.cumulative = new Float64Array(n);
    let sum = 0;
    for (let rank = 0; rank < n; rank++) {
      sum += 1 / (rank + 1) ** exponent;
      this.cumulative[rank] = sum;
    }
  }

  draw(): number {
    const total = this.cumulative[this.cumulative.length - 1] as number;
    const target = this.random.next() * total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.cumulative[middle] as number) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
