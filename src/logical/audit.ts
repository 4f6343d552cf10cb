/**
 * The contract between the core's audit broker (src/core/audit/) and the audit devices
 * (src/builtin/audit/): a device writes whole entries, already formatted and hashed, and knows
 * nothing of requests, tokens or salts.
 */

/** An open audit device. */
export interface AuditDevice {
  /**
   * Writes one entry (one line, newline included) and resolves once the device holds it; rejects
   * when it could not, within the device's bound.
   */
  write(line: string): Promise<void>;
  /** Closes and reopens what the device writes to (SIGHUP, after log rotation). */
  reopen(): Promise<void>;
  /**
   * The last entry the device holds (without its newline), for a chained device that continues
   * where it stopped (a file after a restart); absent where the device cannot read back.
   */
  lastLine?(): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * Opens a device of one type from its options (string → string, as the API takes them), after
 * checking the options it owns; a bad option is an InvalidRequestError naming it. `known` lists
 * the options every device takes (format, prefix, …), which the broker checks itself.
 */
export type AuditDeviceFactory = (
  options: Readonly<Record<string, string>>,
  known: ReadonlySet<string>,
) => Promise<AuditDevice>;
