/**
 * /verification-report.json: the core's report on the published tree, exactly as
 * `npx fleetproof verify --json --evidence evidence` prints it (no model), so anyone can diff their own run.
 */
import type { APIRoute } from 'astro';
import { getEvidence } from '../lib/site-data.ts';

export const GET: APIRoute = async () => {
  const ev = await getEvidence();
  return new Response(ev.reportJson, { headers: { 'Content-Type': 'application/json' } });
};
