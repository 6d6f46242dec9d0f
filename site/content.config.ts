/**
 * Content collections (Astro 5 content layer). Both loaders fail closed: see site/loaders/.
 *   evidence  one entry, `tree`: the verified model of FLEETPROOF_EVIDENCE (default evidence/)
 *   posts     FLEETPROOF_POSTS (default content/posts/) *.md, front matter below
 */
import { defineCollection, z } from 'astro:content';
import { evidenceLoader } from './loaders/evidence.ts';
import { postsLoader } from './loaders/posts.ts';
import { siteInputs } from './lib/config.ts';

const inputs = siteInputs();

const evidence = defineCollection({
  loader: evidenceLoader({ dir: inputs.evidenceDir }),
});

const FLEET_ID = /^[a-z0-9][a-z0-9._-]{0,127}$/;

const posts = defineCollection({
  loader: postsLoader({ dir: inputs.postsDir, evidenceDir: inputs.evidenceDir }),
  schema: z
    .object({
      title: z.string().trim().min(1).max(200),
      /** One or two sentences: the home page, the feed and the meta description use it. */
      description: z.string().trim().min(1).max(600),
      date: z.coerce.date(),
      updated: z.coerce.date().optional(),
      author: z.string().trim().min(1).max(200).optional(),
      /** The fleet this post is about: the post is published at /fleets/<fleet>/ above the fleet's evidence. */
      fleet: z.string().regex(FLEET_ID, 'a fleet id').optional(),
      /** The namespace this post is about: the post shows the namespace's summary and timeline. */
      namespace: z.string().min(1).max(256).optional(),
      tags: z.array(z.string().trim().min(1).max(60)).max(20).default([]),
      draft: z.boolean().default(false),
    })
    .strict()
    .refine((p) => !(p.fleet && p.namespace), {
      message: 'a post is about a fleet or about a namespace, not both',
    }),
});

export const collections = { evidence, posts };
