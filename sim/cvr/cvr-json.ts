// Reading the JSON of a CVR report with paths: every refusal is a CvrError naming the file, the
// JSON path ($.CVR[2].CVRSnapshot[0]...) and the reason. Unknown fields are ignored, unlike the
// native definition's reader: the format has dozens of optional fields TallyMesh does not count
// with (images, mark metrics, annotations) and exporters add their own (VxSuite's vxBatch).
import { CvrError } from './cvr-error.ts';

export type JsonObject = Record<string, unknown>;

/** The longest string read; ids in real exports are UUIDs and short codes. */
const MAX_STRING = 1024;

/** `path.key`, or `path['key']` for keys that are not plain names ("@type", "@id"). */
export function member(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}['${key}']`;
}

export class CvrJson {
  constructor(readonly file: string) {}

  fail(path: string, reason: string): never {
    throw new CvrError(this.file, path, reason);
  }

  /** An object; with `type`, an object that names its `@type` must name that one. */
  object(v: unknown, path: string, type?: string): JsonObject {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'must be an object');
    const o = v as JsonObject;
    if (type !== undefined && o['@type'] !== undefined && o['@type'] !== type) this.fail(member(path, '@type'), `must be "${type}"`);
    return o;
  }

  /** The items of the list o[key] with their paths; an absent optional list is empty. */
  items(o: JsonObject, path: string, key: string, required = false): { value: unknown; path: string }[] {
    const at = member(path, key);
    const v = o[key];
    if (v === undefined && !required) return [];
    if (v === undefined) this.fail(at, 'missing');
    if (!Array.isArray(v)) this.fail(at, 'must be an array');
    return v.map((value: unknown, i) => ({ value, path: `${at}[${i}]` }));
  }

  string(o: JsonObject, path: string, key: string): string {
    return this.optionalString(o, path, key) ?? this.fail(member(path, key), 'missing');
  }

  optionalString(o: JsonObject, path: string, key: string): string | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0) this.fail(member(path, key), 'must be a non-empty string');
    if (v.length > MAX_STRING) this.fail(member(path, key), `longer than ${MAX_STRING} characters`);
    return v;
  }

  integer(o: JsonObject, path: string, key: string): number {
    return this.optionalInteger(o, path, key) ?? this.fail(member(path, key), 'missing');
  }

  /** A count: an integer ≥ 0. */
  optionalInteger(o: JsonObject, path: string, key: string): number | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.fail(member(path, key), 'must be an integer ≥ 0');
    return v;
  }

  optionalBoolean(o: JsonObject, path: string, key: string): boolean | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.fail(member(path, key), 'must be true or false');
    return v;
  }

  oneOf<T extends string>(o: JsonObject, path: string, key: string, values: readonly T[]): T {
    return this.optionalOneOf(o, path, key, values) ?? this.fail(member(path, key), 'missing');
  }

  optionalOneOf<T extends string>(o: JsonObject, path: string, key: string, values: readonly T[]): T | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (!values.includes(v as T)) this.fail(member(path, key), `must be one of ${values.map((x) => `"${x}"`).join(', ')}`);
    return v as T;
  }
}
