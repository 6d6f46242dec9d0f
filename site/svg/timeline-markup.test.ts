/**
 * The timeline's marks, built as markup (timeline-markup.ts), against what EpochTimeline.astro's template drew
 * before: the same elements, each value escaped by Astro's own runtime functions (the ones its compiled templates
 * call), so that a drift from Astro's escaping, or a value that leaves its attribute, fails here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addAttribute, escapeHTML } from 'astro/runtime/server/index.js';
import { type TimelineMark, layoutTimeline } from './timeline.ts';
import { attributeValue, textContent, timelineMarksMarkup } from './timeline-markup.ts';
import { fakeEpoch } from '../testing/fixtures.ts';

const HOSTILE = [
  `"><script>alert(1)</script>`,
  `' onmouseover='x`,
  `a & b &amp; c`,
  `<title>x</title></rect></a><a href="https://evil.example/">`,
  `line\nbreak\ttab\u2028sep`,
  `ünïcødé ✓ 🗝`,
];

/**
 * A mark as the template drew it, through Astro's runtime:
 * `<a href={…} aria-label={…} class={…}> <rect …> <title>{…}</title> </rect> </a>`.
 */
function asAstroDrewIt(m: TimelineMark): string {
  const a = (v: unknown, k: string) => String(addAttribute(v, k));
  return (
    `<a${a(m.href, 'href')}${a(m.label, 'aria-label')}${a(`fleet-c${m.colour}`, 'class')}> ` +
    `<rect${a(`mark role-${m.role}`, 'class')}${a(m.x, 'x')}${a(m.y, 'y')}` +
    `${a(m.w, 'width')}${a(m.h, 'height')} rx="1"> ` +
    `<title>${String(escapeHTML(m.label))}</title> </rect> </a>`
  );
}

describe('timeline marks as markup', () => {
  it('when values hold markup, quotes or entities, they are escaped exactly as Astro escapes them', () => {
    for (const v of HOSTILE) {
      assert.equal(` k="${attributeValue(v)}"`, String(addAttribute(v, 'k')), v);
      assert.equal(textContent(v), String(escapeHTML(v)), v);
      assert.ok(!attributeValue(v).includes('"'), v);
      assert.ok(!/[<>"']/.test(textContent(v)), v);
    }
    assert.equal(attributeValue(12.5), '12.5');
  });

  it('when fleets and links are hostile, the marks are the elements the template drew, and nothing else', () => {
    const key = (fleetId: string, role: 'active' | 'standby') => ({
      keyId: `${fleetId}/k`,
      fleetId,
      algorithm: 'x25519',
      publicKey: '00',
      fingerprint: '00',
      role,
    });
    const fleets = ['fleet-2021', ...HOSTILE];
    const epochs = [1, 2, 3].map((n) =>
      fakeEpoch(
        'ns',
        n,
        true,
        fleets.map((f, i) => key(f, i % 2 ? 'standby' : 'active')),
      ),
    );
    const layout = layoutTimeline({
      epochs,
      colours: new Map(fleets.map((f, i) => [f, i])),
      href: (n) => `/namespace/${n}/?a="b"&c=<d>`,
    });
    assert.equal(layout.marks.length, 3 * fleets.length);
    const html = timelineMarksMarkup(layout);
    assert.equal(html, layout.marks.map(asAstroDrewIt).join(''));
    // Outside the (double-quoted) attribute values, exactly one link, one rectangle and one title per mark: no
    // value opened or closed an element.
    const outside = html.replace(/="[^"]*"/g, '=""');
    for (const tag of ['<a ', '</a>', '<rect ', '</rect>', '<title>', '</title>'])
      assert.equal(outside.split(tag).length - 1, layout.marks.length, tag);
    assert.equal(outside.split('<').length - 1, 6 * layout.marks.length);
    assert.ok(!outside.includes('<script'));
  });

  it('when a layout is drawn again (another epoch page of the namespace), its markup is reused', () => {
    const layout = layoutTimeline({
      epochs: [
        fakeEpoch('ns', 1, true, [
          {
            keyId: 'f/k',
            fleetId: 'f',
            algorithm: 'x25519',
            publicKey: '00',
            fingerprint: '00',
            role: 'active',
          },
        ]),
      ],
      colours: new Map([['f', 0]]),
      href: (n) => `/namespace/${n}/`,
    });
    const first = timelineMarksMarkup(layout);
    layout.marks[0]!.label = 'changed'; // layouts are shared and never changed: the memo does not look again
    assert.equal(timelineMarksMarkup(layout), first);
    assert.ok(first.includes('aria-label="Epoch 1, 2021-08-01: f key active"'), first);
  });
});
