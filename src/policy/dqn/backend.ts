/**
 * Loads TensorFlow.js on demand, so a run without the DQN never loads it. Backend order
 * (DESIGN §7): `@tensorflow/tfjs-node` (native libtensorflow; an optional dependency, absent when
 * its install could not download the library), else `@tensorflow/tfjs` on the WebAssembly backend
 * (its .wasm files ship in the package, so it works offline), else the pure-JS cpu backend.
 * This module never prints: callers report `TfRuntime.backend` and `notes` (once per run).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../core/errors.ts';
import type { DqnBackendChoice } from './dqn-options.ts';

export type Tf = typeof import('@tensorflow/tfjs');

/** The backend that runs: tfjs-node's is called `tensorflow`. */
export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface TfRuntime {
  readonly tf: Tf;
  readonly backend: TfBackendName;
  /** Why earlier backends in the order were skipped, one short clause each. */
  readonly notes: readonly string[];
}

/** Kept in a variable so TypeScript does not look for the (often absent) package's types. */
const TFJS_NODE = '@tensorflow/tfjs-node';

const loaded = new Map<DqnBackendChoice, Promise<TfRuntime>>();

/** Loads tfjs with the requested backend (once per process and choice). */
export function loadTf(choice: DqnBackendChoice = 'auto'): Promise<TfRuntime> {
  let p = loaded.get(choice);
  if (p === undefined) {
    p = load(choice);
    loaded.set(choice, p);
    p.catch(() => loaded.delete(choice));
  }
  return p;
}

async function load(choice: DqnBackendChoice): Promise<TfRuntime> {
  const notes: string[] = [];
  if (choice === 'auto' || choice === 'tensorflow') {
    try {
      const tf = (await import(TFJS_NODE)) as Tf;
      if (await tf.setBackend('tensorflow')) return ready(tf, 'tensorflow', notes);
      notes.push('tfjs-node is installed but its backend failed to start');
    } catch (e) {
      notes.push(`tfjs-node is not installed (${shortReason(e)})`);
    }
    if (choice === 'tensorflow') {
      throw new ConfigError(`dqn.backend tensorflow is unavailable: ${notes.join('; ')}`);
    }
  }
  const tf = (await import('@tensorflow/tfjs')) as Tf;
  if (choice === 'auto' || choice === 'wasm') {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(wasmDir());
      if (await tf.setBackend('wasm')) return ready(tf, 'wasm', notes);
      notes.push('the wasm backend failed to initialise');
    } catch (e) {
      notes.push(`the wasm backend could not load (${shortReason(e)})`);
    }
    if (choice === 'wasm') {
      throw new ConfigError(`dqn.backend wasm is unavailable: ${notes.join('; ')}`);
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to initialise');
  return ready(tf, 'cpu', notes);
}

async function ready(tf: Tf, backend: TfBackendName, notes: string[]): Promise<TfRuntime> {
  await tf.ready();
  // Production mode: no per-op NaN checks and no console banners (the caller reports the backend).
  tf.enableProdMode();
  return { tf, backend, notes };
}

/**
 * The directory holding tfjs-backend-wasm's .wasm files, as an absolute path with a trailing
 * slash: in Node its loader reads them from the file system, offline.
 */
function wasmDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
}

function shortReason(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err.code ?? err.message?.split('\n')[0] ?? String(e);
}
