/**
 * Keeps posts inside what the site's Content-Security-Policy and escaping rules allow (remark plugin):
 * - no raw HTML (Astro's Markdown pipeline passes it through unescaped); HTML comments are dropped;
 * - links only to http(s), mailto, or a path/fragment on this site (no `javascript:` or `data:` URLs);
 * - no level-one heading (the post's title is the page's only h1).
 * Anything else throws a PostGuardError with the line and column.
 */
import type { Root } from 'mdast';
import { SKIP, visit } from 'unist-util-visit';
import { LocatedPostError } from './located-error.ts';

/** A post that leaves what the site allows, at its place in the post. */
export class PostGuardError extends LocatedPostError {
  override name = 'PostGuardError';
}

export function safeHref(url: string): boolean {
  const u = url.trim();
  if (u.startsWith('#') || (u.startsWith('/') && !u.startsWith('//'))) return true;
  // A relative path without a scheme (no ':' before the first '/', '?' or '#').
  if (!/^[^/?#]*:/.test(u)) return !u.startsWith('//');
  return /^(https?:\/\/|mailto:)/i.test(u);
}

export default function remarkPostGuard() {
  return (tree: Root, file: { path?: string }) => {
    visit(tree, (node, index, parent) => {
      const fail = (reason: string): never => {
        throw new PostGuardError(reason, file.path, node.position?.start.line, node.position?.start.column);
      };
      if (node.type === 'html') {
        if (/^\s*<!--[\s\S]*-->\s*$/.test(node.value) && parent && index !== undefined) {
          parent.children.splice(index, 1);
          return [SKIP, index];
        }
        return fail(
          'raw HTML is not allowed in posts: write Markdown (the site escapes everything it renders)',
        );
      }
      if (node.type === 'heading' && node.depth === 1) {
        return fail('a post’s title is its page’s h1: start the headings of its text at ## (h2)');
      }
      if ((node.type === 'link' || node.type === 'definition') && !safeHref(node.url)) {
        return fail(`link to ${JSON.stringify(node.url)}: posts link only to http(s), mailto or this site`);
      }
      return undefined;
    });
  };
}
