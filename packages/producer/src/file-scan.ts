import { isUtf8 } from 'node:buffer';
import { open, stat } from 'node:fs/promises';
import type { DialerError } from '@dialer/core';

export interface FileScan {
  size: number;
  /** The first non-blank line (BOM removed): the header, used to sniff the delimiter. */
  headerLine: string | undefined;
}

const HEADER_LINE_LIMIT = 1 << 20;

/**
 * A DIALER_ERR_CSV error. @dialer/core is loaded only then: the CLI's main thread runs this check while the
 * import thread starts, and must not load core for it (~40 MB, see isolated-import.ts).
 */
async function csvError(message: string, details?: Record<string, unknown>, cause?: unknown): Promise<DialerError> {
  const { DialerError } = await import('@dialer/core');
  return new DialerError('DIALER_ERR_CSV', message, details, cause === undefined ? undefined : { cause });
}

/** Checks that the path names a readable regular file; returns its size. */
async function fileSize(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw await csvError(`${path} is not a regular file`, { file: path });
    return s.size;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'DIALER_ERR_CSV') throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw await csvError(`CSV file not found: ${path}`, { file: path }, err);
    throw await csvError(`Cannot read ${path}: ${(err as Error).message}`, { file: path }, err);
  }
}

function countNewlines(buf: Uint8Array): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** Lines before byte `end` of the file (read again: only an error message needs it). */
async function linesBefore(path: string, end: number): Promise<number> {
  let n = 0;
  let offset = 0;
  for await (const piece of pieces(path)) {
    if (offset >= end) break;
    n += countNewlines(piece.subarray(0, end - offset));
    offset += piece.length;
  }
  return n;
}

/** Line (1-based) of the first undecodable byte in `piece`, which starts on line `firstLine`. */
function lineOfBadByte(piece: Uint8Array, firstLine: number): number {
  const text = new TextDecoder('utf-8').decode(piece);
  const bad = text.indexOf('\uFFFD');
  return firstLine + (bad < 0 ? 0 : text.slice(0, bad).split('\n').length - 1);
}

/**
 * Where the complete UTF-8 sequences of `buf` end: a multi-byte character cut by the end of a read piece
 * (a lead byte followed by fewer continuation bytes than it announces) is left for the next piece.
 */
function completeEnd(buf: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const byte = buf[buf.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead
    // Bytes no valid character starts with (0xc0, 0xc1, 0xf5 and above) are never carried: isUtf8 names them.
    const needed = byte >= 0xf5 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc2 ? 2 : 1;
    return needed > back ? buf.length - back : buf.length;
  }
  return buf.length;
}

const PIECE = 1 << 20;

/**
 * The file in 1 MiB pieces, read into one buffer used again for each: a piece is valid until the next is asked
 * for. Streamed, every piece would be a new buffer left to the next full GC: tens of MB of RSS for a large file.
 */
async function* pieces(path: string): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(PIECE);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, PIECE, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

/**
 * Reads the whole file once before anything is written, so that an unusable file (not UTF-8, binary,
 * UTF-16) is refused up front instead of half-imported. The bytes are validated without being decoded
 * (Node's `isUtf8`): only the header line is decoded, so a large file is checked in a few tens of
 * milliseconds, which the first dial-out of its campaign waits for. `signal` stops the reading (rejects with
 * its reason): a check the import no longer waits for (it ended first) must not read a large file to its end.
 */
export async function scanFile(path: string, signal?: AbortSignal): Promise<FileScan> {
  const size = await fileSize(path);
  const headDecoder = new TextDecoder('utf-8');
  let head = '';
  let headDone = false;
  let offset = 0;
  // An incomplete character at the end of the previous piece, completed by the next one.
  let carry: Buffer | undefined;
  try {
    for await (const chunk of pieces(path)) {
      signal?.throwIfAborted();
      if (offset === 0 && (chunk[0] === 0xff || chunk[0] === 0xfe) && (chunk[1] === 0xfe || chunk[1] === 0xff)) {
        throw await csvError(`${path} is UTF-16 encoded; save it as UTF-8 (CSV UTF-8) and import again`, {
          file: path,
        });
      }
      const nul = chunk.indexOf(0);
      if (nul !== -1) {
        const line = (await linesBefore(path, offset)) + 1 + countNewlines(chunk.subarray(0, nul));
        throw await csvError(`${path} is not a text CSV file: it contains binary data (a NUL byte at line ${line})`, {
          file: path,
        });
      }
      const piece = carry ? Buffer.concat([carry, chunk]) : chunk;
      const pieceStart = offset - (carry?.length ?? 0);
      const end = completeEnd(piece);
      const valid = piece.subarray(0, end);
      if (!isUtf8(valid)) {
        const line = lineOfBadByte(valid, (await linesBefore(path, pieceStart)) + 1);
        throw await csvError(
          `${path} is not valid UTF-8 (first bad byte on line ${line}); save it as UTF-8 and import again`,
          { file: path },
        );
      }
      carry = end < piece.length ? Buffer.from(piece.subarray(end)) : undefined;
      offset += chunk.length;
      if (!headDone) {
        head += headDecoder.decode(valid, { stream: true });
        const found = firstLine(head);
        if (found !== undefined || head.length > HEADER_LINE_LIMIT) {
          headDone = true;
          head = found ?? head.slice(0, HEADER_LINE_LIMIT);
        }
      }
    }
    if (carry) {
      throw await csvError(
        `${path} is not valid UTF-8 (it ends in the middle of a character); save it as UTF-8 and import again`,
        { file: path },
      );
    }
  } catch (err) {
    if ((err as { code?: unknown }).code === 'DIALER_ERR_CSV' || signal?.aborted) throw err;
    throw await csvError(`Cannot read ${path}: ${(err as Error).message}`, { file: path }, err);
  }
  const headerLine = headDone ? head : firstLine(head + '\n');
  return { size, headerLine };
}

/** The first line with something on it, once a newline ends it (undefined until then). */
function firstLine(text: string): string | undefined {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let start = 0;
  for (;;) {
    const nl = body.indexOf('\n', start);
    if (nl === -1) return undefined;
    const line = body.slice(start, nl).replace(/\r$/, '');
    if (line.trim() !== '') return line;
    start = nl + 1;
  }
}
