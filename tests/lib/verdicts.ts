/** Shared by the tests that assert error codes and read the third-party vectors (tests/data/vectors/). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { VerificationError, type ErrorCode } from '../../verify/errors.ts';

/** The code of the VerificationError `f` throws, undefined when it returns; any other exception propagates. */
export function codeOf(f: () => unknown): ErrorCode | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof VerificationError) return e.code;
    throw e;
  }
}

export function assertFails(f: () => unknown, code: ErrorCode, msg?: string): void {
  assert.equal(codeOf(f), code, msg);
}

/** A JSON vector file, by its path under tests/data/vectors/. */
export function vector<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../data/vectors/${path}`, import.meta.url), 'utf8'));
}

/** `f` throws a VerificationError with `code` (and a message matching `message`, when given). */
export function fails(code: ErrorCode, f: () => unknown, message?: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof VerificationError, `expected a VerificationError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** A copy of `b` with one bit flipped at `i` (negative: from the end). */
export function flip(b: Uint8Array, i: number, bit = 1): Uint8Array {
  const c = b.slice();
  c[i < 0 ? c.length + i : i]! ^= bit;
  return c;
}
