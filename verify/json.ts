/**
 * Bounded JSON reading, the one way the core reads JSON: size first, then one linear scan (nesting depth, member
 * names counted, number forms), then JSON.parse, then one walk of the value (array and string limits, members
 * counted). A hostile file fails here, with its own code, before any schema or signature work.
 */
import { VerificationError } from './errors.ts';
import { fromUtf8 } from './encoding.ts';
import { LIMITS } from './limits.ts';

export interface JsonReadOptions {
  maxBytes?: number;
  maxDepth?: number;
  /** JSONPath of the document's root, for a document inside another (a DSSE payload): `$` unless given. */
  path?: string;
}

/** What one scan of a JSON text finds. */
export interface JsonScan {
  /** Deepest nesting of `[`/`{` outside strings; counting stops once past the limit. */
  depth: number;
  /** Member names, every one counted (a name given twice counts twice). */
  names: number;
  /** The first `.`, `e` or `E` of a number, or -1. */
  notInteger: number;
}

/**
 * One pass over a JSON text, before it is parsed. A string is skipped with a native search for its closing quote,
 * so long strings such as DSSE payloads cost little; a string followed by `:` is a member name. Outside strings,
 * `.` and `E` occur only in numbers, and `e` in a number only after a digit (in `true` and `false` after a letter).
 * The text may not be JSON: what the scan finds counts only once JSON.parse has accepted it.
 */
export function scanJson(text: string, limit: number): JsonScan {
  const r: JsonScan = { depth: 0, names: 0, notInteger: -1 };
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const j = closingQuote(text, i);
      if (j < 0) return r; // unterminated: JSON.parse reports it
      let d = text.charCodeAt(j + 1);
      for (let m = j + 1; d === 32 || d === 10 || d === 13 || d === 9;) d = text.charCodeAt(++m);
      if (d === 58 /* : */) r.names++;
      i = j;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > r.depth) {
        r.depth = depth;
        if (depth > limit) return r;
      }
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    } else if (
      r.notInteger < 0 &&
      (c === 46 /* . */ || c === 69 /* E */ || (c === 101 /* e */ && isDigit(text.charCodeAt(i - 1))))
    ) {
      r.notInteger = i;
    }
  }
  return r;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** The quote that closes the string opened at `open` (the first not escaped by an odd run of backslashes), or -1. */
function closingQuote(text: string, open: number): number {
  let j = open;
  for (;;) {
    j = text.indexOf('"', j + 1);
    if (j < 0) return -1;
    let k = j - 1;
    while (text.charCodeAt(k) === 92 /* \ */) k--;
    if ((j - 1 - k) % 2 === 0) return j;
  }
}

/** The member name whose quotes are at `open` and `close`, escapes decoded (the text is JSON). */
function memberName(text: string, open: number, close: number): string {
  const raw = text.slice(open + 1, close);
  return raw.includes('\\') ? (JSON.parse(text.slice(open, close + 1)) as string) : raw;
}

/**
 * The one way the core reads JSON: a file, or a document inside one (a DSSE payload, `opts.path` its place). Size,
 * UTF-8, then parseText.
 */
export function readJson(bytes: Uint8Array, file: string, opts: JsonReadOptions = {}): unknown {
  const maxBytes = opts.maxBytes ?? LIMITS.maxFileBytes;
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
  return parseText(text, file, opts);
}

/**
 * Depth, syntax, limits, and the two rules of docs/evidence-format.md §2 that JSON.parse does not apply: numbers
 * written as integers (every number in evidence is one; `1.0` or `1e3` is the same value to JSON.parse but not to
 * a reader that parses integers strictly), and member names unique within their object (RFC 8259 §4 leaves
 * duplicates to each reader, and readers differ on which value counts: two verifiers of one file could see two
 * documents). JSON.parse keeps one member per name, so the value has fewer members than the text has names exactly
 * when a name is given twice; only then is the text searched for it.
 */
function parseText(text: string, file: string, opts: JsonReadOptions): unknown {
  const maxDepth = opts.maxDepth ?? LIMITS.maxJsonDepth;
  const scan = scanJson(text, maxDepth);
  if (scan.depth > maxDepth) {
    throw new VerificationError('JSON_TOO_DEEP', `nested deeper than ${maxDepth} levels`, { file });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new VerificationError('JSON_INVALID', `not well-formed JSON (${(e as Error).message})`, { file });
  }
  const base = opts.path ?? '$';
  if (scan.notInteger >= 0) {
    throw new VerificationError(
      'SCHEMA_INVALID',
      'expected an integer, written without a fraction or an exponent',
      { file, path: pathText(base, stepsAt(text, scan.notInteger)) },
    );
  }
  if (checkJsonLimits(value, file, base) !== scan.names) {
    const at = duplicateName(text);
    const steps = stepsAt(text, at);
    throw new VerificationError(
      'JSON_INVALID',
      `the member name ${JSON.stringify(steps[steps.length - 1])} appears twice in one object`,
      { file, path: pathText(base, steps) },
    );
  }
  return value;
}

/** The opening quote of the first member name that its object already has, in a JSON text that has one. */
function duplicateName(text: string): number {
  const names: Set<string>[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const j = closingQuote(text, i);
      let m = j + 1;
      while (/\s/.test(text[m]!)) m++;
      if (text[m] === ':') {
        const name = memberName(text, i, j);
        if (names[depth]!.has(name)) return i;
        names[depth]!.add(name);
      }
      i = j;
    } else if (c === 91 || c === 123) {
      depth++;
      if (c === 123) names[depth] = new Set();
    } else if (c === 93 || c === 125) depth--;
  }
  throw new Error('duplicateName: no member name is given twice'); // parseText calls it only when one is
}

/**
 * The JSONPath steps to the value or member name at `offset` of a well-formed JSON text (only for an error's path:
 * a second, slower pass that keeps each container's key or index).
 */
function stepsAt(text: string, offset: number): Step[] {
  const stack: { array: boolean; step: Step }[] = [];
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const j = closingQuote(text, i);
      const top = stack[stack.length - 1];
      if (top && !top.array) {
        let m = j + 1;
        while (/\s/.test(text[m]!)) m++;
        if (text[m] === ':') top.step = memberName(text, i, j);
      }
      i = j;
    } else if (c === 91 || c === 123) {
      stack.push({ array: c === 91, step: c === 91 ? 0 : '' });
    } else if (c === 93 || c === 125) {
      stack.pop();
    } else if (c === 44 /* , */) {
      const top = stack[stack.length - 1]!;
      if (top.array) top.step = (top.step as number) + 1;
    }
  }
  if (text.charCodeAt(offset) === 34) {
    // A member name: the path of its member.
    stack[stack.length - 1]!.step = memberName(text, offset, closingQuote(text, offset));
  }
  return stack.map((s) => s.step);
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
 * Array and string limits over a parsed value (depth is already bounded, so recursion is shallow); the number of
 * members it holds, in all its objects. Raises LIMIT_EXCEEDED with the JSONPath of the first offender; the path is
 * written only then. A DSSE envelope's `payload` (a string beside a `payloadType`) is exempt from the string limit:
 * its size is the file's, and the statement it decodes to obeys every limit (docs/evidence-format.md §2).
 */
export function checkJsonLimits(value: unknown, file: string, path = '$'): number {
  const steps: Step[] = [];
  let members = 0;
  const walk = (v: unknown, exempt: boolean): void => {
    if (typeof v === 'string') {
      if (v.length > LIMITS.maxStringLength && !exempt) {
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
        walk(v[i], false);
        steps.pop();
      }
    } else if (v !== null && typeof v === 'object') {
      const envelope = Object.prototype.hasOwnProperty.call(v, 'payloadType');
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        members++;
        steps.push(k);
        walk((v as Record<string, unknown>)[k], envelope && k === 'payload');
        steps.pop();
      }
    }
  };
  walk(value, false);
  return members;
}
