// Length-prefixed frames on a libp2p stream: a 4-byte big-endian length, then that many bytes.
// The reader refuses a length above its limit before reading (or buffering) the body, so a peer
// cannot make us allocate more than the limit by announcing a huge frame.

/** What a libp2p stream yields: a Uint8Array or a Uint8ArrayList; both have subarray(). */
export interface Chunk {
  subarray(): Uint8Array;
}

import { TallyMeshError } from '../../errors/tallymesh-error.ts';

export const FRAME_HEADER_BYTES = 4;
export const MAX_FRAME_LIMIT = 0xffff_ffff;

export class FrameError extends TallyMeshError {
  override readonly name = 'FrameError';
  constructor(message: string) {
    super('bad-frame', message);
  }
}

/** The frame as two parts (header, body) to write without copying the body. */
export function frame(body: Uint8Array, maxFrameBytes = MAX_FRAME_LIMIT): Uint8Array[] {
  if (body.length > maxFrameBytes) throw new FrameError(`frame of ${body.length} bytes exceeds the limit of ${maxFrameBytes}`);
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  new DataView(header.buffer).setUint32(0, body.length);
  return [header, body];
}

export class FrameReader {
  private readonly iterator: AsyncIterator<Chunk>;
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  constructor(
    source: AsyncIterable<Chunk>,
    private readonly maxFrameBytes: number,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Reads until `n` bytes are buffered; false if the stream ended first. */
  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n) {
      const next = await this.iterator.next();
      if (next.done) return false;
      // A view, not the Buffer the socket produced: bodies leave this module as plain Uint8Arrays.
      const raw = next.value.subarray();
      const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
      if (bytes.length === 0) continue;
      this.chunks.push(bytes);
      this.buffered += bytes.length;
    }
    return true;
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    let out: Uint8Array;
    if (first && first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = new Uint8Array(n);
      let offset = 0;
      while (offset < n) {
        const chunk = this.chunks[0]!;
        const part = Math.min(chunk.length, n - offset);
        out.set(chunk.subarray(0, part), offset);
        offset += part;
        if (part === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(part);
      }
    }
    this.buffered -= n;
    return out;
  }

  /** The next frame's body; undefined if the stream ended cleanly between frames. */
  async next(maxFrameBytes = this.maxFrameBytes): Promise<Uint8Array | undefined> {
    if (!(await this.fill(FRAME_HEADER_BYTES))) {
      if (this.buffered === 0) return undefined;
      throw new FrameError('stream ended inside a frame header');
    }
    const header = this.take(FRAME_HEADER_BYTES);
    const length = new DataView(header.buffer, header.byteOffset, FRAME_HEADER_BYTES).getUint32(0);
    if (length > maxFrameBytes) throw new FrameError(`peer announced a frame of ${length} bytes, above the limit of ${maxFrameBytes}`);
    if (!(await this.fill(length))) throw new FrameError(`stream ended inside a frame of ${length} bytes`);
    return this.take(length);
  }

  /** The next frame, which must exist. */
  async require(what: string, maxFrameBytes = this.maxFrameBytes): Promise<Uint8Array> {
    const body = await this.next(maxFrameBytes);
    if (body === undefined) throw new FrameError(`stream ended before the ${what}`);
    return body;
  }
}
