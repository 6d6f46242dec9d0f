export function runIngest(_args: string[]): number {
  console.error('fleetproof ingest: not implemented yet');
  return 2;
}
