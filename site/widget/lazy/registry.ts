/**
 * Parts of the core that the widget's worker loads only when a verification needs them (docs in ./plugin.ts):
 * noble's curves (the reference crypto provider), the vendor adapters and the X.509/ASN.1 code. The core is
 * synchronous, so a part cannot be awaited where it is called: a stand-in whose part is not loaded yet notes that
 * it is wanted and throws NotLoaded. Whoever runs the core (site/widget/prefetch.ts runVerdict) then discards that
 * run whatever it concluded, loads what was wanted and runs it again: a verdict is only ever kept from a run in
 * which nothing was missing.
 *
 * Outside the worker's bundle (Node: the CLI, the build, the unit tests) no stand-in is used, nothing registers
 * here, and every function below does nothing.
 */

export class NotLoaded extends Error {
  override name = 'NotLoaded';
}

const loaders = new Map<string, () => Promise<unknown>>();
/** Parts loaded together with a part (a verification that needs one needs them next: one repeat, not several). */
const companions = new Map<string, string[]>();
const modules = new Map<string, unknown>();
const wanted = new Set<string>();
const loading = new Map<string, Promise<void>>();

/**
 * A stand-in's access to its part: the module once loaded; before, it notes the part as wanted and throws.
 * `withParts`: parts to load at the same time.
 */
export function lazyPart<T>(name: string, load: () => Promise<T>, withParts: string[] = []): () => T {
  loaders.set(name, load);
  companions.set(name, withParts);
  return () => {
    if (modules.has(name)) return modules.get(name) as T;
    wanted.add(name);
    throw new NotLoaded(`${name} is not loaded yet`);
  };
}

/** Loads parts (by name; unknown names and parts already loaded are skipped). */
export async function loadParts(names: Iterable<string>): Promise<void> {
  const all = new Set<string>();
  const add = (n: string) => {
    if (all.has(n)) return;
    all.add(n);
    for (const c of companions.get(n) ?? []) add(c);
  };
  for (const n of names) add(n);
  await Promise.all(
    [...all].map((name) => {
      const load = loaders.get(name);
      if (!load || modules.has(name)) return undefined;
      let p = loading.get(name);
      if (!p) {
        p = load().then(
          (m) => {
            modules.set(name, m);
          },
          (e: unknown) => {
            loading.delete(name);
            throw e;
          },
        );
        loading.set(name, p);
      }
      return p;
    }),
  );
}

/**
 * A part's module if it is loaded, else undefined, without asking for it: for what is only ever shown, never part of
 * a verdict (./error-rules.ts).
 */
export function partIfLoaded<T>(name: string): T | undefined {
  return modules.get(name) as T | undefined;
}

/** The parts wanted since the last call (and forgets them). */
export function takeWanted(): string[] {
  const out = [...wanted];
  wanted.clear();
  return out;
}

/** The names of the parts loaded so far (for tests and the bench). */
export function loadedParts(): string[] {
  return [...modules.keys()];
}
