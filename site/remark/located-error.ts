/** A problem at a place in a post's Markdown: `file:line:column: reason` (the remark plugins' errors). */
export class LocatedPostError extends Error {
  constructor(
    readonly reason: string,
    readonly file: string | undefined,
    readonly line: number | undefined,
    readonly column: number | undefined,
  ) {
    super(`${file ?? '<post>'}:${line ?? '?'}:${column ?? '?'}: ${reason}`);
    this.name = 'LocatedPostError';
  }
}
