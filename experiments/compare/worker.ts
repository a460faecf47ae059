/**
 * Worker thread of the comparison pool: runs the requests it is sent, one at a time, and posts
 * back each summary (or the error's message). Reads no flags; everything comes in the request.
 */
import { parentPort } from 'node:worker_threads';
import { runOne, type RunRequest } from './run-one.ts';

parentPort!.on('message', (msg: { id: number; request: RunRequest }) => {
  runOne(msg.request).then(
    (result) => parentPort!.postMessage({ id: msg.id, ok: true, result }),
    (e: unknown) =>
      parentPort!.postMessage({
        id: msg.id,
        ok: false,
        error: e instanceof Error ? e.message : String(e),
        user: e instanceof Error && e.name.endsWith('Error') && 'retriable' in e,
      }),
  );
});
