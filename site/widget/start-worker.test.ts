/**
 * The pages' client of the widget's worker (./start-worker.ts), with a stand-in for the browser's Worker: messages
 * reach their job's listener until its last, a worker that cannot load ends every waiting job with WIDGET_ERROR,
 * and a job that cannot be posted ends alone. (tests/e2e and site/attestations/attestations.e2e.test.ts run the
 * real worker in Chromium.)
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FromWorker } from './protocol.ts';
import { verifyWorkerClient } from './start-worker.ts';

type Listener = (e: { data?: unknown; message?: string; preventDefault?: () => void }) => void;

class FakeWorker {
  static made: FakeWorker[] = [];
  readonly listeners = new Map<string, Listener[]>();
  readonly posted: unknown[] = [];
  terminated = false;
  refuse: Error | undefined;
  constructor(
    readonly url: URL,
    readonly options: WorkerOptions,
  ) {
    FakeWorker.made.push(this);
  }
  addEventListener(type: string, fn: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  postMessage(m: unknown): void {
    if (this.refuse) throw this.refuse;
    this.posted.push(m);
  }
  terminate(): void {
    this.terminated = true;
  }
  /** The worker posts `data`. */
  send(data: FromWorker): void {
    for (const fn of this.listeners.get('message') ?? []) fn({ data });
  }
  /** The worker's script fails to load. */
  fail(message: string): void {
    for (const fn of this.listeners.get('error') ?? []) fn({ message, preventDefault: () => undefined });
  }
}

const g = globalThis as { Worker?: unknown };
let saved: unknown;
beforeEach(() => {
  saved = g.Worker;
  g.Worker = FakeWorker;
  FakeWorker.made = [];
});
afterEach(() => {
  g.Worker = saved;
});

const target = { kind: 'fleet', fleetId: 'f' } as const;

test('when two jobs run, one worker (a module, named) takes both, and each message reaches its own job until the job’s last', () => {
  const client = verifyWorkerClient('fleet-verify');
  const a: FromWorker[] = [];
  const b: FromWorker[] = [];
  client.run({ type: 'verify', target }, (m) => a.push(m));
  client.run({ type: 'prefetch', target }, (m) => b.push(m));
  assert.equal(FakeWorker.made.length, 1);
  const w = FakeWorker.made[0]!;
  assert.deepEqual(w.options, { type: 'module', name: 'fleet-verify' });
  assert.match(w.url.pathname, /\/site\/widget\/worker\.ts$/);
  assert.deepEqual(
    w.posted.map((m) => (m as { job: number; type: string }).job),
    [1, 2],
  );
  w.send({ type: 'checks', job: 1, checks: [] });
  w.send({ type: 'prefetched', job: 2, state: 'ready' });
  w.send({ type: 'prefetched', job: 2, state: 'failed' }); // after the job's last: nobody listens
  const done: FromWorker = {
    type: 'done',
    job: 1,
    outcome: {
      ok: true,
      code: undefined,
      message: undefined,
      checks: 1,
      failed: 0,
      files: 1,
      bytes: 1,
      fetchMs: 0,
      verifyMs: 0,
      totalMs: 0,
    },
  };
  w.send(done);
  w.send(done);
  assert.deepEqual(
    a.map((m) => m.type),
    ['checks', 'done'],
  );
  assert.deepEqual(b, [{ type: 'prefetched', job: 2, state: 'ready' }]);
});

test('when the worker’s script does not load, every waiting job ends with WIDGET_ERROR, and the next job starts a new worker', () => {
  const client = verifyWorkerClient('fleet-verify');
  const ends: FromWorker[] = [];
  client.run({ type: 'verify', target }, (m) => ends.push(m));
  client.run({ type: 'prefetch', target }, (m) => ends.push(m));
  const w = FakeWorker.made[0]!;
  w.fail('404');
  assert.equal(w.terminated, true);
  assert.deepEqual(
    ends.map((m) => (m.type === 'done' ? [m.job, m.outcome.code, m.outcome.message] : m.type)),
    [
      [1, 'WIDGET_ERROR', 'the verifier could not start (404)'],
      [2, 'WIDGET_ERROR', 'the verifier could not start (404)'],
    ],
  );
  client.run({ type: 'verify', target }, () => undefined);
  assert.equal(FakeWorker.made.length, 2);
});

test('when a job cannot be posted to the worker, that job alone ends with WIDGET_ERROR and the worker is kept', () => {
  const client = verifyWorkerClient('attestation-verify');
  const first: FromWorker[] = [];
  const second: FromWorker[] = [];
  client.run({ type: 'verify', target }, (m) => first.push(m));
  const w = FakeWorker.made[0]!;
  w.refuse = new Error('could not be cloned');
  client.run({ type: 'verify', target }, (m) => second.push(m));
  assert.deepEqual(first, []);
  assert.equal(second.length, 1);
  const end = second[0]!;
  assert.ok(end.type === 'done');
  assert.equal(end.outcome.code, 'WIDGET_ERROR');
  assert.equal(end.outcome.message, 'the verifier could not be given the job: could not be cloned');
  assert.equal(w.terminated, false);
  w.refuse = undefined;
  client.run({ type: 'verify', target }, () => undefined);
  assert.equal(FakeWorker.made.length, 1, 'the same worker');
});

test('when the worker cannot even be constructed (the page forbids it), the job ends with WIDGET_ERROR saying so', () => {
  g.Worker = class {
    constructor() {
      throw new Error('blocked');
    }
  };
  const ends: FromWorker[] = [];
  verifyWorkerClient('fleet-verify').run({ type: 'verify', target }, (m) => ends.push(m));
  assert.equal(ends.length, 1);
  const end = ends[0]!;
  assert.ok(end.type === 'done');
  assert.equal(end.outcome.code, 'WIDGET_ERROR');
  assert.equal(end.outcome.message, 'the verifier could not start: blocked');
});
