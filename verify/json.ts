/**
 * Bounded JSON reading: size first, then nesting depth by a linear scan, then JSON.parse. A hostile file fails
 * here, with its own code, before any schema or signature work.
 */
import { VerificationError } from './errors.ts';
import { fromUtf8 } from './encoding.ts';
import { LIMITS } from './limits.ts';

export interface JsonReadOptions {
  maxBytes?: number;
  maxDepth?: number;
}

/**
 * Deepest nesting of `[`/`{` outside strings; stops counting once past `limit`. A string is skipped with a native
 * search for its closing quote (one preceded by an even number of backslashes), so long strings such as DSSE
 * payloads cost little.
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return max; // unterminated: JSON.parse reports it
        let k = j - 1;
        while (text.charCodeAt(k) === 92 /* \ */) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === 91 || c === 123) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 93 || c === 125) depth--;
  }
  return max;
}

export function parseJsonBytes(bytes: Uint8Array, file: string, opts: JsonReadOptions = {}): unknown {
  const maxBytes = opts.maxBytes ?? LIMITS.maxFileBytes;
  const maxDepth = opts.maxDepth ?? LIMITS.maxJsonDepth;
  if (bytes.length > maxBytes) {
    throw new VerificationError('FILE_TOO_LARGE', `${bytes.length} bytes; the limit is ${maxBytes}`, {
      file,
    });
  }
  let text: string;
  try {
    text = fromUtf8(bytes);
  } catch {
    throw new VerificationError('JSON_INVALID', 'not valid UTF-8', { file });
  }
  return parseJsonText(text, file, { maxDepth });
}

export function parseJsonText(text: string, file: string, opts: JsonReadOptions = {}): unknown {
  const maxDepth = opts.maxDepth ?? LIMITS.maxJsonDepth;
  if (jsonDepth(text, maxDepth) > maxDepth) {
    throw new VerificationError('JSON_TOO_DEEP', `nested deeper than ${maxDepth} levels`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new VerificationError('JSON_INVALID', `not well-formed JSON (${(e as Error).message})`, { file });
  }
}

/** A JSONPath step: an index, or a key (written `.key` when it is an identifier, else `["key"]`). */
type Step = number | string;
const pathText = (base: string, steps: readonly Step[]) =>
  steps.reduce<string>(
    (p, k) =>
      typeof k === 'number'
        ? `${p}[${k}]`
        : /^[A-Za-z_]\w*$/.test(k)
          ? `${p}.${k}`
          : `${p}[${JSON.stringify(k)}]`,
    base,
  );

/**
 * Array and string limits over a parsed value (depth is already bounded, so recursion is shallow).
 * Raises LIMIT_EXCEEDED with the JSONPath of the first offender; the path is written only then.
 */
export function checkJsonLimits(value: unknown, file: string, path = '$'): void {
  const steps: Step[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.length > LIMITS.maxStringLength) {
        throw new VerificationError(
          'LIMIT_EXCEEDED',
          `string of ${v.length} characters; the limit is ${LIMITS.maxStringLength}`,
          { file, path: pathText(path, steps) },
        );
      }
    } else if (Array.isArray(v)) {
      if (v.length > LIMITS.maxArrayEntries) {
        throw new VerificationError(
          'LIMIT_EXCEEDED',
          `array of ${v.length} entries; the limit is ${LIMITS.maxArrayEntries}`,
          { file, path: pathText(path, steps) },
        );
      }
      for (let i = 0; i < v.length; i++) {
        steps.push(i);
        walk(v[i]);
        steps.pop();
      }
    } else if (v !== null && typeof v === 'object') {
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        steps.push(k);
        walk((v as Record<string, unknown>)[k]);
        steps.pop();
      }
    }
  };
  walk(value);
}

/** Size, UTF-8, depth, JSON syntax, then array and string limits: the one way the core reads a JSON file. */
export function readJson(bytes: Uint8Array, file: string, opts: JsonReadOptions = {}): unknown {
  const value = parseJsonBytes(bytes, file, opts);
  checkJsonLimits(value, file);
  return value;
}
