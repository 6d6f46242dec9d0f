/**
 * Where Astro 5 writes a page and at which URL it renders it (the incremental build must write and render the
 * same: site/build-incremental.test.ts compares whole outputs; these are the rules on their own), and the parts of
 * a page the incremental build reads back.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { footerSpan, headStyles, outputFile, requestPath } from './render-state.ts';

describe('a page’s file and URL', () => {
  it('when the route is static, dynamic, the index or the 404 page, the file is Astro’s (format directory)', () => {
    assert.equal(outputFile('/', 'page'), 'index.html');
    assert.equal(outputFile('/namespace', 'page'), 'namespace/index.html');
    assert.equal(outputFile('/namespace/5/', 'page'), 'namespace/5/index.html');
    assert.equal(outputFile('/404', 'page'), '404.html');
    assert.equal(outputFile('/feed.xml', 'endpoint'), 'feed.xml');
    assert.equal(outputFile('/evidence/index.json', 'endpoint'), 'evidence/index.json');
  });

  it('when a path has characters URLs escape, the file is named as Astro names it (encodeURI)', () => {
    assert.equal(outputFile('/posts/a b/', 'page'), 'posts/a%20b/index.html');
  });

  it('when a page is rendered, its URL ends in a slash (trailingSlash always); an endpoint’s does not', () => {
    assert.equal(requestPath('/', 'page'), '/');
    assert.equal(requestPath('/namespace', 'page'), '/namespace/');
    assert.equal(requestPath('/404', 'page'), '/404/');
    assert.equal(requestPath('/namespace/5/', 'page'), '/namespace/5/');
    assert.equal(requestPath('/feed.xml', 'endpoint'), '/feed.xml');
  });
});

describe('the parts of a page read back', () => {
  const page =
    '<!DOCTYPE html><html><head><title>x</title><link rel="icon" href="/favicon.svg">' +
    '<link rel="stylesheet" href="/_astro/a.css">\n<link rel="stylesheet" href="/_astro/b.css"></head>' +
    '<body><main><footer class="site-footer">in a post</footer></main>' +
    '<footer class="site-footer"><p>tree 12</p></footer></body></html>';

  it('when a page links stylesheets at the end of its head, they are read in order, and nothing else', () => {
    assert.deepEqual(headStyles(page), ['/_astro/a.css', '/_astro/b.css']);
    assert.deepEqual(headStyles('<head><link rel="icon" href="/f.svg"></head>'), []);
  });

  it('when a page has footers, the site’s is the last one', () => {
    const [a, b] = footerSpan(page)!;
    assert.equal(page.slice(a, b), '<footer class="site-footer"><p>tree 12</p></footer>');
    assert.equal(footerSpan('<body></body>'), undefined);
    assert.equal(footerSpan('<footer class="site-footer">unclosed'), undefined);
  });
});
