import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DialerError } from '@dialer/core';

export interface FileScan {
  size: number;
  /** The first non-blank line (BOM removed): the header, used to sniff the delimiter. */
  headerLine: string | undefined;
}

const HEADER_LINE_LIMIT = 1 << 20;

function csvError(message: string, details?: Record<string, unknown>, cause?: unknown): DialerError {
  return new DialerError('DIALER_ERR_CSV', message, details, cause === undefined ? undefined : { cause });
}

/** Checks that the path names a readable regular file; returns its size. */
async function fileSize(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw csvError(`${path} is not a regular file`, { file: path });
    return s.size;
  } catch (err) {
    if (err instanceof DialerError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw csvError(`CSV file not found: ${path}`, { file: path }, err);
    throw csvError(`Cannot read ${path}: ${(err as Error).message}`, { file: path }, err);
  }
}

function countNewlines(buf: Uint8Array): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** Line (1-based) of the first undecodable byte in `chunk`, given the lines before it. */
function lineOfBadByte(chunk: Uint8Array, linesBefore: number): number {
  const text = new TextDecoder('utf-8').decode(chunk);
  const bad = text.indexOf('\uFFFD');
  return linesBefore + 1 + (bad < 0 ? 0 : text.slice(0, bad).split('\n').length - 1);
}

/**
 * Reads the whole file once before anything is written, so that an unusable file (not UTF-8, binary,
 * UTF-16) is refused up front instead of half-imported. A streaming fatal decoder keeps memory flat
 * and costs a fraction of the parse.
 */
export async function scanFile(path: string): Promise<FileScan> {
  const size = await fileSize(path);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lines = 0;
  let head = '';
  let headDone = false;
  let first = true;
  // 64 KiB pieces: each decoded piece is young garbage, never a large object that lingers until a full GC.
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (first && (chunk[0] === 0xff || chunk[0] === 0xfe) && (chunk[1] === 0xfe || chunk[1] === 0xff)) {
        throw csvError(`${path} is UTF-16 encoded; save it as UTF-8 (CSV UTF-8) and import again`, { file: path });
      }
      first = false;
      const nul = chunk.indexOf(0);
      if (nul !== -1) {
        throw csvError(
          `${path} is not a text CSV file: it contains binary data (a NUL byte at line ${lines + 1 + countNewlines(chunk.subarray(0, nul))})`,
          { file: path },
        );
      }
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch (err) {
        throw csvError(
          `${path} is not valid UTF-8 (first bad byte on line ${lineOfBadByte(chunk, lines)}); save it as UTF-8 and import again`,
          { file: path },
          err,
        );
      }
      if (!headDone) {
        head += text;
        const found = firstLine(head);
        if (found !== undefined || head.length > HEADER_LINE_LIMIT) {
          headDone = true;
          head = found ?? head.slice(0, HEADER_LINE_LIMIT);
        }
      }
      lines += countNewlines(chunk);
    }
    try {
      decoder.decode();
    } catch (err) {
      throw csvError(
        `${path} is not valid UTF-8 (it ends in the middle of a character); save it as UTF-8 and import again`,
        { file: path },
        err,
      );
    }
  } finally {
    stream.destroy();
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
