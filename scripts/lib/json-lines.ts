/**
 * JSON.stringify(value, null, 2), in pieces: the same text, split between batches of elements of the top-level object's
 * arrays, so that a report of 100,000 checks is written a piece at a time instead of as one string of tens of MB
 * (and a copy of it in the output buffer). Each piece is whole lines; joined with '\n' they are exactly the text
 * JSON.stringify gives (scripts/lib/json-lines.test.ts checks it on reports and on arbitrary JSON values).
 */

/** JSON.stringify(v, null, 2), every line after the first indented by `pad`. */
function nested(v: unknown, pad: string): string | undefined {
  const s = JSON.stringify(v, null, 2) as string | undefined;
  return s === undefined ? undefined : s.replaceAll('\n', `\n${pad}`);
}

/** Elements per piece of a long array. */
const BATCH = 256;

/**
 * The elements `from` to `from + BATCH` of the array at the top-level key `key`, as JSON.stringify writes them
 * there (indented by four, comma-separated): JSON.stringify of a one-key object holding just those elements, with
 * the object's own first two lines and last two lines cut off.
 */
function elements(key: string, list: unknown[], from: number): string {
  const s = JSON.stringify({ [key]: list.slice(from, from + BATCH) }, null, 2);
  const head = `{\n  ${JSON.stringify(key)}: [\n`;
  const tail = '\n  ]\n}';
  if (!s.startsWith(head) || !s.endsWith(tail)) throw new Error('unexpected JSON.stringify layout');
  return s.slice(head.length, s.length - tail.length);
}

const plainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.getPrototypeOf(v) === Object.prototype &&
  typeof (v as { toJSON?: unknown }).toJSON !== 'function';

export function* jsonLines(value: unknown): Generator<string> {
  if (!plainObject(value)) {
    const s = JSON.stringify(value, null, 2) as string | undefined;
    if (s !== undefined) yield s;
    return;
  }
  // JSON.stringify's rules: properties whose value gives no JSON (undefined, functions, symbols) are left out.
  const entries: [string, unknown][] = [];
  for (const [k, v] of Object.entries(value)) {
    const probe = v === null || typeof v === 'object' ? v : JSON.stringify(v);
    if (probe !== undefined) entries.push([k, v]);
  }
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield '{';
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i]!;
    const comma = i < entries.length - 1 ? ',' : '';
    const head = `  ${JSON.stringify(k)}: `;
    if (Array.isArray(v) && v.length > 0 && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
      yield `${head}[`;
      for (let j = 0; j < v.length; j += BATCH)
        yield `${elements(k, v, j)}${j + BATCH < v.length ? ',' : ''}`;
      yield `  ]${comma}`;
    } else {
      yield `${head}${nested(v, '  ')}${comma}`;
    }
  }
  yield '}';
}

/**
 * Below this many elements in a value's top-level arrays, writeJsonLines writes it as one string: up to ~10 MB for
 * a report (~300 bytes a check), and as much again while it is written, and a third faster than pieces.
 */
export const WHOLE_UP_TO = 32_768;

/**
 * Writes JSON.stringify(value, null, 2) and a newline through `write`: as one string when the value's top-level
 * arrays hold at most `wholeUpTo` elements, else jsonLines(value) in pieces of about `size` characters, each ending
 * with a newline (at --scale 100 a report's text is ~27 MB). The same text either way.
 */
export function writeJsonLines(
  value: unknown,
  write: (text: string) => void,
  size = 1 << 16,
  wholeUpTo = WHOLE_UP_TO,
): void {
  let elements = 0;
  if (plainObject(value)) for (const v of Object.values(value)) if (Array.isArray(v)) elements += v.length;
  if (elements <= wholeUpTo) {
    const s = JSON.stringify(value, null, 2) as string | undefined;
    if (s !== undefined) write(`${s}\n`);
    return;
  }
  let buf: string[] = [];
  let n = 0;
  for (const line of jsonLines(value)) {
    buf.push(line);
    n += line.length + 1;
    if (n >= size) {
      write(`${buf.join('\n')}\n`);
      buf = [];
      n = 0;
    }
  }
  if (buf.length) write(`${buf.join('\n')}\n`);
}
