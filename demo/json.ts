/** JSON and time formatting shared by the demo generator and its tampers. */
import { fromUtf8, utf8 } from '../verify/encoding.ts';

/** A JSON file as the demo writes it: two-space indentation and a final newline. */
export function jsonFile(value: unknown): Uint8Array {
  return utf8(JSON.stringify(value, null, 2) + '\n');
}

export function parseJsonFile<T = unknown>(bytes: Uint8Array): T {
  return JSON.parse(fromUtf8(bytes)) as T;
}

/** `YYYY-MM-DDTHH:MM:SSZ` (seconds precision, milliseconds dropped). */
export function isoTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19) + 'Z';
}

/** Milliseconds of an ISO time. */
export function ms(iso: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`not a time: ${iso}`);
  return t;
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Sorts strings by code unit, independent of locale. */
export function byString<T>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
