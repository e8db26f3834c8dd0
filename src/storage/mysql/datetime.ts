/**
 * Times are stored as DATETIME(3) in UTC and travel as strings (`dateStrings`), so no time zone of the
 * client or the server can shift them.
 */

/** Milliseconds since the epoch → `2026-11-24 19:05:09.375`, a DATETIME(3) literal in UTC. */
export const toDatetime = (ms: number): string => new Date(ms).toISOString().slice(0, 23).replace('T', ' ');

/**
 * A DATETIME read back → milliseconds. The binary protocol leaves out a zero fraction
 * (`2026-11-24 19:05:09`), the text protocol does not; both parse the same.
 */
export const msFromDatetime = (datetime: string): number => Date.parse(`${datetime.replace(' ', 'T')}Z`);

/** A DATETIME read back → ISO 8601 UTC with exactly three decimals, as the API shows times. */
export const isoFromDatetime = (datetime: string): string => new Date(msFromDatetime(datetime)).toISOString();
