/** /evidence/index.json: every evidence file with its SHA-256 and size (the files themselves: site/integration.ts). */
import type { APIRoute } from 'astro';
import { getEvidence } from '../../lib/site-data.ts';

export const GET: APIRoute = async () => {
  const ev = await getEvidence();
  return new Response(ev.indexJson, { headers: { 'Content-Type': 'application/json' } });
};
