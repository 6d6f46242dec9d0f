/** /feed.xml: Atom feed of the posts, newest first (hand-written XML, every value escaped). */
import type { APIRoute } from 'astro';
import { getPosts } from '../lib/site-data.ts';
import { SITE_TAGLINE, SITE_TITLE } from '../lib/site-meta.ts';
import { atomFeed } from '../lib/xml.ts';

export const GET: APIRoute = async ({ site }) => {
  const posts = await getPosts();
  const body = atomFeed({
    site: site!.href,
    title: SITE_TITLE,
    subtitle: SITE_TAGLINE,
    entries: posts.map((p) => ({
      url: p.url,
      title: p.data.title,
      summary: p.data.description,
      published: p.data.date,
      updated: p.data.updated ?? p.data.date,
      author: p.data.author,
      html: p.entry.rendered?.html,
    })),
  });
  return new Response(body, { headers: { 'Content-Type': 'application/atom+xml; charset=utf-8' } });
};
