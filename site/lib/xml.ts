/** Hand-written XML for the Atom feed and the sitemap: every text and attribute value goes through `escapeXml`. */

/** Escapes text for XML element content and attribute values; drops characters XML 1.0 cannot carry. */
export function escapeXml(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export interface FeedEntry {
  url: string;
  title: string;
  summary: string;
  published: Date;
  updated: Date;
  author: string | undefined;
  /** Rendered HTML of the post; carried escaped (type="html"). */
  html: string | undefined;
}

export function atomFeed(opts: {
  site: string;
  title: string;
  subtitle: string;
  entries: FeedEntry[];
}): string {
  const abs = (p: string) => new URL(p, opts.site).href;
  const newest =
    opts.entries.reduce<Date | undefined>((m, e) => (!m || e.updated > m ? e.updated : m), undefined) ??
    new Date(0);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="${escapeXml(abs('/'))}">`,
    `  <id>${escapeXml(abs('/'))}</id>`,
    `  <title>${escapeXml(opts.title)}</title>`,
    `  <subtitle>${escapeXml(opts.subtitle)}</subtitle>`,
    `  <updated>${newest.toISOString()}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(abs('/feed.xml'))}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(abs('/'))}"/>`,
    `  <author><name>${escapeXml(opts.title)}</name></author>`,
  ];
  for (const e of opts.entries) {
    lines.push(
      '  <entry>',
      `    <id>${escapeXml(abs(e.url))}</id>`,
      `    <title type="text">${escapeXml(e.title)}</title>`,
      `    <link rel="alternate" type="text/html" href="${escapeXml(abs(e.url))}"/>`,
      `    <published>${e.published.toISOString()}</published>`,
      `    <updated>${e.updated.toISOString()}</updated>`,
      ...(e.author ? [`    <author><name>${escapeXml(e.author)}</name></author>`] : []),
      `    <summary type="text">${escapeXml(e.summary)}</summary>`,
      ...(e.html ? [`    <content type="html">${escapeXml(e.html)}</content>`] : []),
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}

export function sitemapXml(site: string, paths: string[]): string {
  const urls = [...new Set(paths)].sort();
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ...urls.map((p) => `  <url><loc>${escapeXml(new URL(p, site).href)}</loc></url>`),
    '</urlset>',
    '',
  ].join('\n');
}
