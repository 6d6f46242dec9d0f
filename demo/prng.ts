/**
 * A tiny deterministic PRNG: SHA-256 in counter mode over (seed, label). Every pseudo-random choice of the demo
 * generator comes from one of these, so a seed fixes the whole evidence tree. Streams are independent per label.
 */
import { sha256 } from '../verify/crypto/sha256.ts';
import { concatBytes, toHex, utf8 } from '../verify/encoding.ts';

export class Prng {
  private readonly key: Uint8Array;
  private counter = 0;
  private block: Uint8Array = new Uint8Array(0);
  private pos = 0;

  constructor(seed: string, label: string) {
    this.key = utf8(`fleetproof-demo|${seed}|prng|${label}`);
  }

  /** The next n pseudo-random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (this.pos >= this.block.length) {
        const c = new Uint8Array(4);
        new DataView(c.buffer).setUint32(0, this.counter++, false);
        this.block = sha256(concatBytes(this.key, c));
        this.pos = 0;
      }
      out[i] = this.block[this.pos++]!;
    }
    return out;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const b = this.bytes(4);
    return new DataView(b.buffer).getUint32(0, false);
  }

  /** An integer in [lo, hi], both inclusive (modulo bias is irrelevant here). */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new Error(`empty range [${lo}, ${hi}]`);
    return lo + (this.u32() % (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }

  hex(n: number): string {
    return toHex(this.bytes(n));
  }
}
