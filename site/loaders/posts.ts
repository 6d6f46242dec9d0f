/**
 * The `posts` collection: content/posts/*.md (or FLEETPROOF_POSTS), rendered with Astro's Markdown pipeline plus
 * the evidence citations (`:key[…]`, `:epoch[…]`).
 *
 * Not Astro's `glob()`: glob only warns about a missing or empty folder, catches render errors into a log line,
 * and skips re-rendering a post whose text did not change even when the evidence it cites did. This loader throws
 * for a missing folder, an empty one, front matter that does not match the schema, a post about a fleet or
 * namespace the evidence does not hold, raw HTML, images, and any citation that does not resolve to verified
 * evidence, with the post's file and line; and it re-renders every post on every load against the model verified
 * for this build.
 */
import type { Loader, LoaderContext } from 'astro/loaders';
import { createMarkdownProcessor, parseFrontmatter } from '@astrojs/markdown-remark';
import remarkDirective from 'remark-directive';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EvidenceModel } from '../../verify/index.ts';
import remarkEvidenceCitations, { CitationError } from '../remark/citations.ts';
import remarkPostGuard, { PostGuardError } from '../remark/guard.ts';
import { verifiedEvidence } from '../lib/verified-evidence.ts';
import { watch } from './evidence.ts';
import { PostError, listPosts } from './post-files.ts';
import { postRefs } from '../lib/page-deps.ts';

export { PostError, listPosts };

export const SLUG = /^[a-z0-9][a-z0-9-]{0,99}$/;

export function postsLoader(opts: { dir: string; evidenceDir: string }): Loader {
  const load = async (ctx: LoaderContext) => {
    const { store, config, parseData, generateDigest, logger } = ctx;
    store.clear();
    const names = listPosts(opts.dir);
    const evidence = await verifiedEvidence(opts.evidenceDir);
    const model: EvidenceModel = evidence.report.model;
    // What each post refers to (../remark/citations.ts citationFingerprint), for the next, incremental, build.
    let cited: string[] = [];
    const refs = postRefs();
    refs.clear();
    const processor = await createMarkdownProcessor({
      ...config.markdown,
      image: config.image,
      remarkPlugins: [
        remarkDirective,
        [remarkEvidenceCitations, { model, onCited: (c: string[]) => (cited = c) }],
        remarkPostGuard,
        ...config.markdown.remarkPlugins,
      ],
    });
    const byFleet = new Map<string, string>();
    for (const name of names) {
      const abs = join(opts.dir, name);
      const rel = relative(config.root.pathname, abs) || abs;
      const slug = name.slice(0, -'.md'.length);
      if (!SLUG.test(slug))
        throw new PostError(
          `${rel}: a post's file name is its URL: use lowercase letters, digits and "-" (got "${slug}")`,
        );
      const text = readFileSync(abs, 'utf8');
      let fm: ReturnType<typeof parseFrontmatter>;
      try {
        // "empty-with-lines" keeps the body's line numbers equal to the file's, for error messages.
        fm = parseFrontmatter(text, { frontmatter: 'empty-with-lines' });
      } catch (e) {
        throw new PostError(`${rel}: front matter is not valid YAML: ${(e as Error).message}`);
      }
      if (!fm.rawFrontmatter)
        throw new PostError(`${rel}: a post starts with YAML front matter (title, date, description)`);
      const raw = normaliseFrontmatter(fm.frontmatter);
      const data = await parseData({ id: slug, data: raw, filePath: abs });
      if (data.draft === true) {
        logger.info(`${rel}: draft, not published`);
        continue;
      }
      const fleet = typeof data.fleet === 'string' ? data.fleet : undefined;
      const namespace = typeof data.namespace === 'string' ? data.namespace : undefined;
      if (fleet) {
        const f = model.fleets.find((x) => x.fleetId === fleet);
        if (!f)
          throw new PostError(`${rel}: front matter names fleet ${fleet}, which the evidence does not hold`);
        if (!f.ok) throw new PostError(`${rel}: fleet ${fleet} did not verify`);
        const other = byFleet.get(fleet);
        if (other)
          throw new PostError(
            `${rel}: fleet ${fleet} already has a post (${other}); a fleet page shows one narrative`,
          );
        byFleet.set(fleet, rel);
      }
      if (namespace && !model.namespaces.some((n) => n.name === namespace)) {
        throw new PostError(
          `${rel}: front matter names namespace ${namespace}, which the evidence does not publish`,
        );
      }
      let rendered;
      try {
        // fileURL is how Astro's own Markdown entry type names the file (an internal option, not in the type).
        const renderOpts = { fileURL: pathToFileURL(abs), frontmatter: data } as Parameters<
          typeof processor.render
        >[1];
        cited = [];
        rendered = await processor.render(fm.content, renderOpts);
      } catch (e) {
        if (e instanceof CitationError || e instanceof PostGuardError) {
          throw new PostError(`${rel}:${e.line ?? '?'}:${e.column ?? '?'}: ${e.reason}`);
        }
        throw new PostError(`${rel}: ${(e as Error).message}`);
      }
      const images = [...rendered.metadata.localImagePaths, ...rendered.metadata.remoteImagePaths];
      if (images.length)
        throw new PostError(`${rel}: images are not supported in posts yet (found ${images.join(', ')})`);
      refs.set(slug, [
        ...cited,
        ...(fleet ? [`fleet:${fleet}`] : []),
        ...(namespace ? [`namespace:${namespace}`] : []),
      ]);
      store.set({
        id: slug,
        data,
        body: fm.content,
        filePath: rel,
        // Both the text and the evidence it was rendered against.
        digest: generateDigest(`${text}\u0000${evidence.treeSha256}`),
        rendered: { html: rendered.code, metadata: { ...rendered.metadata, imagePaths: [] } },
      });
    }
    if (store.keys().length === 0)
      throw new PostError(
        `posts folder ${opts.dir}: every post is a draft; the site needs at least one published post`,
      );
  };
  return {
    name: 'fleetproof-posts',
    load: async (ctx) => {
      await load(ctx);
      watch(ctx, opts.dir, () => load(ctx));
      watch(ctx, opts.evidenceDir, () => load(ctx));
    },
  };
}

/** Accepts `pubDate` or `published` for `date`, as other blog templates spell it. */
export function normaliseFrontmatter(fm: Record<string, unknown>): Record<string, unknown> {
  const out = { ...fm };
  for (const alias of ['pubDate', 'published']) {
    if (out.date === undefined && out[alias] !== undefined) {
      out.date = out[alias];
      delete out[alias];
    }
  }
  return out;
}
