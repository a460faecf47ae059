/**
 * `--config FILE`: a JSON object of config keys, such as a run's own config.json. A run's record
 * (it has the `qossip` provenance key) replays that run: its provenance and the keys that belong
 * to the invocation that made it, not to the experiment (where it wrote, which brokers and Kafka
 * run id it used, which node hosts served it), are dropped, so a replay never writes over the
 * original run or waits for node hosts that are long gone. Errors name the file and the key.
 */
import { UserError } from '../src/core/errors.ts';
import { LifecycleSchema, type LifecycleConfig } from '../src/model/events.ts';
import { readJsonFile } from './cli-support.ts';
import { checkConfigFile, type ConfigOverrides } from './config.ts';

/** Keys of a run's record that only describe the invocation that made it. */
const PER_INVOCATION: readonly (readonly string[])[] = [
  ['out'],
  ['kafka', 'brokers'],
  ['kafka', 'run'],
  ['kafka', 'remoteNodes'],
  ['kafka', 'secretFile'],
];

export function readConfigFile(path: string): ConfigOverrides {
  const raw = readJsonFile(path, 'config file');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserError(`config file ${path} must hold a JSON object of config keys`);
  }
  const values = structuredClone(raw) as Record<string, unknown>;
  if ('qossip' in values) {
    delete values.qossip;
    for (const keyPath of PER_INVOCATION) dropKey(values, keyPath);
  }
  checkConfigFile(path, values);
  return values as ConfigOverrides;
}

function dropKey(obj: Record<string, unknown>, keyPath: readonly string[]): void {
  const [head, ...rest] = keyPath;
  if (rest.length === 0) {
    delete obj[head!];
    return;
  }
  const inner = obj[head!];
  if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
    dropKey(inner as Record<string, unknown>, rest);
  }
}

/**
 * `--events FILE`: a JSON array of events, or an object with `events` and the restart keys of
 * the `lifecycle` config section. Errors name the file and the JSON path of the first problem,
 * e.g. "events file crash.json: invalid events[0].pms.fraction: too big: expected number to be <=1".
 */
export function readEventsFile(path: string): LifecycleConfig {
  const raw = readJsonFile(path, 'events file');
  const section = Array.isArray(raw) ? { events: raw } : raw;
  const parsed = LifecycleSchema.safeParse(section);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys')
    return fail(
      path,
      `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${jsonPath([...issue.path, k])}'`).join(', ')}`,
    );
  const text = issue.message.replace(/^Invalid input: /, '');
  const where =
    issue.path.length === 0
      ? 'content: expected an array of events or an object with "events"'
      : `${jsonPath(issue.path)}: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
  return fail(path, `invalid ${where}`);
}

function fail(path: string, what: string): never {
  throw new UserError(`events file ${path}: ${what}`);
}

/** `events[0].pms.fraction` from zod's path. */
function jsonPath(path: readonly PropertyKey[]): string {
  return path
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`))
    .join('');
}
