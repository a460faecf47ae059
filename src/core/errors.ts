/**
 * Error types. A `UserError` is bad input (a flag, a config file, a trace line): the CLI prints its
 * one-sentence message and exits non-zero, never a stack trace. Anything else that escapes is a bug
 * (an invariant violation) and crashes loudly with its stack. Modelled on kafkajs' errors.js.
 */

export class QossipError extends Error {
  /** Whether retrying the same operation may succeed (only meaningful at I/O edges such as Kafka). */
  readonly retriable: boolean;
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** Bad input from the user: its message is one sentence naming what was wrong and where. */
export class UserError extends QossipError {}

/** A malformed line or file in a workload trace. */
export class TraceFormatError extends UserError {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}

/** A configuration value out of range or of the wrong type. */
export class ConfigError extends UserError {}

/** A broken internal invariant: a bug, never the user's fault. */
export class InvariantError extends QossipError {}

export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'string' ? message : message());
}

/** What the common errno codes mean for someone who named a file or directory. */
const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'a file or directory of that name already exists',
  ENOTDIR: 'part of the path is a file, not a directory',
  EISDIR: 'it is a directory, not a file',
  ENOTEMPTY: 'the directory is not empty',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links in the path',
};

/**
 * A failed file operation in words, e.g. "no such file or directory (ENOENT)": the errno code
 * alone means little to a user. Unknown codes keep the system's own description.
 */
export function errnoWords(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  if (code === undefined) return String(err?.message ?? e);
  const words = ERRNO_WORDS[code] ?? /^[A-Z]+: ([^,]+)/.exec(err.message ?? '')?.[1];
  return words ? `${words} (${code})` : code;
}
