/**
 * The epoch timeline's marks as markup, built once per layout (site/svg/timeline.ts cachedTimelineLayout).
 *
 * Every epoch page of a namespace draws the same marks (83 links on each of the demo's 65 epoch pages), only the
 * highlight of its own epoch differing, which EpochTimeline.astro draws apart. Through Astro's template runtime
 * the marks cost about 1.4 ms a page, each attribute of each element rendered again on every page: 298 → 205 ms of
 * rendering for the demo's epoch pages once built here instead (medians of 5 interleaved cold builds).
 *
 * The markup is what the template drew, byte for byte, escaped as Astro's templates escape (runtime/server
 * addAttribute and escapeHTML): in an attribute value `&` and `"`, in text `& < > ' "`. So no label or link can
 * leave its attribute or its element; site/svg/timeline-markup.test.ts checks the escaping against Astro's own
 * functions, with hostile values.
 */
import type { TimelineLayout } from './timeline.ts';

/** An attribute value inside double quotes, as Astro's templates write it. */
export function attributeValue(v: string | number): string {
  return String(v).replace(/&/g, '&#38;').replace(/"/g, '&#34;');
}

const TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&#39;', '"': '&quot;' };

/** Element text, as Astro's templates write it. */
export function textContent(v: string): string {
  return v.replace(/[&<>'"]/g, (c) => TEXT[c]!);
}

const MARKS = new WeakMap<TimelineLayout, string>();

/**
 * The marks of `layout`: per mark a link around its rectangle, the label as the link's name and as the rectangle's
 * title.
 */
export function timelineMarksMarkup(layout: TimelineLayout): string {
  let html = MARKS.get(layout);
  if (html === undefined) {
    const v = attributeValue;
    html = layout.marks
      .map(
        (m) =>
          `<a href="${v(m.href)}" aria-label="${v(m.label)}" class="fleet-c${v(m.colour)}"> ` +
          `<rect class="mark role-${v(m.role)}" x="${v(m.x)}" y="${v(m.y)}" ` +
          `width="${v(m.w)}" height="${v(m.h)}" rx="1"> ` +
          `<title>${textContent(m.label)}</title> </rect> </a>`,
      )
      .join('');
    MARKS.set(layout, html);
  }
  return html;
}
