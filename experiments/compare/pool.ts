/**
 * Runs many independent simulations (policies × seeds, or sweep variants × seeds) on a pool of
 * worker threads, one run per worker at a time; with one job it runs them in this thread. Results
 * come back in request order whatever order they finish in, so the output is deterministic.
 */
import { Worker } from 'node:worker_threads';
import { UserError } from '../../src/core/errors.ts';
import { runOne, type RunRequest, type RunResult } from './run-one.ts';

const TSX_API = import.meta.resolve('tsx/esm/api');
const WORKER = new URL('./worker.ts', import.meta.url).href;

export async function runAll(
  requests: readonly RunRequest[],
  jobs: number,
  onDone?: (index: number, result: RunResult) => void,
): Promise<RunResult[]> {
  const results: RunResult[] = new Array(requests.length);
  if (jobs <= 1 || requests.length <= 1) {
    for (let i = 0; i < requests.length; i++) {
      results[i] = await runOne(requests[i]!);
      onDone?.(i, results[i]!);
    }
    return results;
  }
  const workers = Array.from(
    { length: Math.min(jobs, requests.length) },
    // Workers do not inherit tsx's loader: register it in each before loading the worker module.
    () =>
      new Worker(
        `import(${JSON.stringify(TSX_API)}).then((t) => { t.register(); return import(${JSON.stringify(WORKER)}); })`,
        { eval: true },
      ),
  );
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= requests.length) return resolve();
              const id = next++;
              w.once(
                'message',
                (msg: { id: number; ok: boolean; result?: RunResult; error?: string }) => {
                  if (!msg.ok) return reject(new UserError(msg.error ?? 'a run failed'));
                  results[msg.id] = msg.result!;
                  onDone?.(msg.id, msg.result!);
                  feed();
                },
              );
              w.postMessage({ id, request: requests[id] });
            };
            w.once('error', reject);
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
