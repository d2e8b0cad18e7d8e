/**
 * Files a person opens (the report, the rejects file) hold data that came from outside: phone lists,
 * names, SAVG reasons. They are written so that opening one in a spreadsheet runs nothing, and so that
 * writing one never lands somewhere else or is readable by other users.
 */
import { closeSync, constants, fchmodSync, lstatSync, openSync, unlinkSync, type Stats } from 'node:fs';
import { DialerError } from './errors.js';

/** Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain number stays as it is: E.164 phones (`+14155550100`) and numbers must stay usable. */
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/** The cell with a leading `'` when a spreadsheet would run it as a formula; any other cell unchanged. */
export function escapeFormulaCell(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** Every cell of a CSV record through {@link escapeFormulaCell}. */
export function escapeFormulaCells(values: readonly string[]): string[] {
  return values.map(escapeFormulaCell);
}

function refuse(path: string, what: string, why: string, cause?: unknown): never {
  const reason = cause instanceof Error ? `: ${cause.message}` : '';
  throw new DialerError(
    'DIALER_ERR_OUTPUT_FILE',
    `Refusing to write the ${what} ${path}: ${why}${reason}`,
    { file: path },
    cause === undefined ? undefined : { cause },
  );
}

function lstatOrUndefined(path: string, what: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return refuse(path, what, 'cannot inspect it', err);
  }
}

/**
 * Throws DIALER_ERR_OUTPUT_FILE when `path` is a symbolic link: writing or renaming onto it would surprise
 * whoever placed it (or let someone who did redirect our output).
 */
export function refuseSymlink(path: string, what: string): void {
  if (lstatOrUndefined(path, what)?.isSymbolicLink()) refuse(path, what, 'it is a symbolic link');
}

/**
 * Creates `path` afresh for writing, mode 0600 whatever the umask, and returns its file descriptor. An
 * existing regular file there is replaced (unlinked, so a hard link's other names keep their content); a
 * symbolic link or anything that is not a regular file is refused. O_EXCL|O_NOFOLLOW: if something appears
 * at the path between the check and the open, the open fails instead of following it.
 */
export function createPrivateFile(path: string, what: string): number {
  const existing = lstatOrUndefined(path, what);
  if (existing?.isSymbolicLink()) refuse(path, what, 'it is a symbolic link');
  if (existing && !existing.isFile()) refuse(path, what, 'it exists and is not a regular file');
  if (existing) {
    try {
      unlinkSync(path);
    } catch (err) {
      refuse(path, what, 'cannot replace the existing file', err);
    }
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    return refuse(path, what, 'cannot create it', err);
  }
  try {
    // The umask may have taken bits away from 0600 at creation; the file must be exactly owner read/write.
    fchmodSync(fd, 0o600);
  } catch (err) {
    closeSync(fd);
    refuse(path, what, 'cannot make it private', err);
  }
  return fd;
}
