/**
 * The posts folder's files, without the Markdown pipeline: scripts/build.ts checks the folder before the build
 * (step 2) without loading remark and its plugins, which only the posts loader (./posts.ts) needs.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';

export class PostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostError';
  }
}

/** The Markdown files of the posts folder, sorted; throws unless there is at least one. */
export function listPosts(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new PostError(`posts folder ${dir} does not exist: the site needs at least one post`);
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.md'))
    .sort();
  if (names.length === 0)
    throw new PostError(`posts folder ${dir} holds no .md file: the site needs at least one post`);
  return names;
}
