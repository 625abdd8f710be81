// The one error base of TallyMesh. Every error the project throws on purpose carries a stable
// `code` that callers branch on (the REST layer maps codes to HTTP statuses in one table, gossip
// validators map them to verdicts, the verifier prints them), and a message naming what is wrong.
// Messages never carry secrets (keys, shares, randomness, voter ids).
//
// Errors cross worker-thread boundaries as plain objects (structured clone keeps neither the
// class nor own fields reliably): toObject() on one side, revive() on the other.

export interface ErrorObject {
  name: string;
  code: string;
  message: string;
  /** The subclass's own public fields (path, seq, status, ...), JSON values only. */
  details?: Record<string, unknown>;
}

export class TallyMeshError extends Error {
  override readonly name: string = 'TallyMeshError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** A plain object for postMessage and JSON; the inverse of revive(). */
  toObject(): ErrorObject {
    const details: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) {
      if (key === 'code' || key === 'name' || key === 'message' || key === 'cause') continue;
      if (value === undefined || typeof value === 'function') continue;
      details[key] = value;
    }
    return { name: this.name, code: this.code, message: this.message, ...(Object.keys(details).length ? { details } : {}) };
  }

  /** A TallyMeshError with the object's name, code, message and details (the class is not restored). */
  static revive(o: ErrorObject): TallyMeshError {
    const err = new TallyMeshError(o.code, o.message);
    Object.defineProperty(err, 'name', { value: o.name });
    Object.assign(err, o.details ?? {});
    return err;
  }
}

/** True for a TallyMeshError of this module instance or another one (a second copy of the class). */
export function isTallyMeshError(err: unknown): err is TallyMeshError {
  if (err instanceof TallyMeshError) return true;
  const e = err as { code?: unknown; message?: unknown; toObject?: unknown } | null;
  return !!e && typeof e === 'object' && err instanceof Error && typeof e.code === 'string' && typeof e.toObject === 'function';
}

/** The message of anything thrown: an Error's message, else its string form. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
