/** The site's small pure parts: configuration, URLs, XML escaping, the SVG layouts. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { siteInputs, siteOrigin } from './config.ts';
import { epochUrl, evidenceUrl, keyAnchor, keyUrl, shortHex } from './urls.ts';
import { atomFeed, escapeXml, sitemapXml } from './xml.ts';
import { cachedTimelineLayout, layoutTimeline } from '../svg/timeline.ts';
import { layoutRegions } from '../svg/regions.ts';
import { chainNodes, layoutChain } from '../svg/chain.ts';
import { fakeEpoch, fakeFleet, fakeModel } from '../testing/fixtures.ts';

describe('configuration', () => {
  it('when FLEETPROOF_* are unset, the defaults are evidence/, content/posts/ and https://transparency.example', () => {
    const i = siteInputs({}, '/repo');
    assert.deepEqual(i, {
      evidenceDir: '/repo/evidence',
      postsDir: '/repo/content/posts',
      site: 'https://transparency.example',
    });
    assert.equal(
      siteInputs({ FLEETPROOF_EVIDENCE: '/x/ev', FLEETPROOF_POSTS: 'p' }, '/repo').evidenceDir,
      '/x/ev',
    );
  });

  it('when FLEETPROOF_SITE is not a plain http(s) origin, configuration fails loudly', () => {
    assert.equal(siteOrigin('https://t.example/'), 'https://t.example');
    for (const bad of [
      'javascript:alert(1)',
      'ftp://x.example',
      'https://u:p@x.example',
      'https://x.example/?q',
      'https://x.example/sub/',
      'not a url',
    ]) {
      assert.throws(() => siteOrigin(bad), Error, bad);
    }
  });
});

describe('urls', () => {
  it('when ids are rendered into URLs and anchors, every segment stays inside its place', () => {
    assert.equal(
      keyUrl('fleet-2021', 'fleet-2021/backup-kem'),
      '/fleets/fleet-2021/#key-fleet-2021/backup-kem',
    );
    assert.equal(keyAnchor('a b"<'), 'key-x612062223c');
    assert.equal(epochUrl('ns', 12, true), '/namespace/12/');
    assert.equal(epochUrl('other.ns', 3, false), '/namespaces/other.ns/3/');
    assert.equal(evidenceUrl('namespaces/a b/1/proof.json'), '/evidence/namespaces/a%20b/1/proof.json');
    assert.equal(shortHex('ab'.repeat(32)), `${'ab'.repeat(8)}…`);
    assert.equal(shortHex('abcd'), 'abcd');
  });
});

describe('xml', () => {
  it('when text holds markup or control characters, escapeXml makes it inert', () => {
    assert.equal(
      escapeXml(`<script>alert("x" & 'y')</script>\u0000\u0008`),
      '&lt;script&gt;alert(&quot;x&quot; &amp; &apos;y&apos;)&lt;/script&gt;',
    );
  });

  it('when a post title is hostile, the Atom feed carries it escaped', () => {
    const xml = atomFeed({
      site: 'https://t.example/',
      title: 'T',
      subtitle: 'S',
      entries: [
        {
          url: '/posts/x/',
          title: '</title><script>alert(1)</script>',
          summary: 'a & b',
          published: new Date('2024-01-01T00:00:00Z'),
          updated: new Date('2024-01-02T00:00:00Z'),
          author: undefined,
          html: '<p>hi</p>',
        },
      ],
    });
    assert.ok(!xml.includes('<script>'));
    assert.ok(xml.includes('<title type="text">&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>'));
    assert.ok(xml.includes('<content type="html">&lt;p&gt;hi&lt;/p&gt;</content>'));
    assert.ok(xml.includes('<updated>2024-01-02T00:00:00.000Z</updated>'));
    assert.ok(xml.includes('<id>https://t.example/posts/x/</id>'));
  });

  it('when the sitemap is written, it lists absolute URLs once each, sorted', () => {
    const xml = sitemapXml('https://t.example', ['/b/', '/a/', '/b/']);
    assert.deepEqual(
      [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]),
      ['https://t.example/a/', 'https://t.example/b/'],
    );
  });
});

describe('svg layouts', () => {
  const k = (fleetId: string, role: 'active' | 'standby' | 'retiring') => ({
    keyId: `${fleetId}/k-${role}`,
    fleetId,
    algorithm: 'x25519',
    publicKey: '00',
    fingerprint: '00',
    role,
  });
  const epochs = [
    fakeEpoch('ns', 1, true, [k('f1', 'active')]),
    fakeEpoch('ns', 2, true, [k('f1', 'active'), k('f2', 'standby')]),
    fakeEpoch('ns', 3, true, [k('f1', 'retiring'), k('f2', 'active'), k('f2', 'standby')]),
  ];

  it('when the same namespace is drawn again, the layout is reused; other links, colours or epochs get their own', () => {
    const colours = new Map([
      ['f1', 0],
      ['f2', 1],
    ]);
    const href = (n: number) => `/namespace/${n}/`;
    const a = cachedTimelineLayout({ epochs, colours, href });
    assert.deepEqual(a, layoutTimeline({ epochs, colours, href }));
    assert.equal(
      cachedTimelineLayout({ epochs, colours: new Map(colours), href: (n) => `/namespace/${n}/` }),
      a,
    );
    const other = cachedTimelineLayout({ epochs, colours, href: (n) => `/namespaces/ns/${n}/` });
    assert.notEqual(other, a);
    assert.deepEqual(other, layoutTimeline({ epochs, colours, href: (n) => `/namespaces/ns/${n}/` }));
    const swapped = new Map([
      ['f1', 1],
      ['f2', 0],
    ]);
    assert.deepEqual(
      cachedTimelineLayout({ epochs, colours: swapped, href }),
      layoutTimeline({ epochs, colours: swapped, href }),
    );
    const fewer = epochs.slice(0, 2);
    assert.deepEqual(
      cachedTimelineLayout({ epochs: fewer, colours, href }),
      layoutTimeline({ epochs: fewer, colours, href }),
    );
    assert.notEqual(cachedTimelineLayout({ epochs: fewer, colours, href }).marks.length, a.marks.length);
  });

  it('when epochs carry fleets’ keys, the timeline has one lane per fleet and one mark per carrying epoch, in time order, with the strongest role', () => {
    const t = layoutTimeline({
      epochs,
      colours: new Map([
        ['f1', 0],
        ['f2', 1],
        ['f3', 2],
      ]),
      href: (n) => `/namespace/${n}/`,
    });
    assert.deepEqual(
      t.lanes.map((l) => [l.fleetId, l.count]),
      [
        ['f1', 3],
        ['f2', 2],
      ],
    );
    const f1 = t.marks.filter((m) => m.fleetId === 'f1');
    assert.deepEqual(
      f1.map((m) => m.role),
      ['active', 'active', 'retiring'],
    );
    assert.ok(f1[0]!.x < f1[1]!.x && f1[1]!.x < f1[2]!.x);
    assert.deepEqual(
      t.marks.filter((m) => m.fleetId === 'f2').map((m) => [m.epoch, m.role, m.href]),
      [
        [2, 'standby', '/namespace/2/'],
        [3, 'active', '/namespace/3/'],
      ],
    );
    for (const m of t.marks) assert.ok(m.x >= t.plotLeft - m.w && m.x + m.w <= t.plotRight + m.w);
  });

  it('when a fleet is laid out, the schematic has a square per member in its data center', () => {
    const f = fakeFleet('f');
    f.regions = [
      {
        id: 'r1',
        name: 'R1',
        dataCenters: [
          { id: 'd1', name: 'D1' },
          { id: 'd2', name: 'D2' },
        ],
      },
      { id: 'r2', name: 'R2', dataCenters: [{ id: 'd3', name: 'D3' }] },
    ];
    const member = (i: number, region: string, dc: string) => ({
      hsmId: `h${i}`,
      vendor: 'V',
      model: 'M',
      serial: `S${i}`,
      firmwareMeasurement: '00',
      region,
      dataCenter: dc,
      attestation: {
        file: '',
        present: true,
        verified: i !== 3,
        format: 'fleetproof-dsse-v1' as const,
        attestedAt: undefined,
        rootId: undefined,
        chain: [],
        vendorClaim: undefined,
      },
    });
    f.members = [member(1, 'r1', 'd1'), member(2, 'r1', 'd1'), member(3, 'r1', 'd2'), member(4, 'r2', 'd3')];
    const l = layoutRegions(f);
    assert.deepEqual(
      l.regions.map((r) => [r.id, r.count, r.dataCenters.map((d) => d.dots.map((h) => h.serial))]),
      [
        ['r1', 3, [['S1', 'S2'], ['S3']]],
        ['r2', 1, [['S4']]],
      ],
    );
    assert.equal(l.regions[0]!.dataCenters[1]!.dots[0]!.verified, false);
  });

  it('when the chain of trust is drawn, it runs from the vendor root to the operator counter-signature', () => {
    const nodes = chainNodes(fakeModel([fakeFleet('f')], []), fakeFleet('f'));
    assert.deepEqual(
      nodes.map((n) => n.role),
      [
        'Vendor root (pinned)',
        'HSM device key',
        'Fleet key',
        'Validation bundle',
        'Auditor signature (Plexi)',
        'Operator counter-signature',
      ],
    );
    const l = layoutChain(nodes);
    assert.equal(l.edges.length, nodes.length - 1);
    assert.ok(l.boxes.every((b, i) => i === 0 || b.y > l.boxes[i - 1]!.y + l.boxes[i - 1]!.h));
  });
});
