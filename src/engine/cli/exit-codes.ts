/** Exit codes, after BSD sysexits where one fits, so scripts can tell faults apart. */
export const EXIT = {
  ok: 0,
  /** Bad command line or config (EX_USAGE). */
  usage: 64,
  /** A data file, forget set or stored artifact is unusable (EX_DATAERR). */
  dataError: 65,
  /** A bug: please report it (EX_SOFTWARE). */
  internal: 70,
  /** Cancelled by the user (SIGINT). */
  cancelled: 130,
} as const;
