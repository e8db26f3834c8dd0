/** Seconds in each unit a duration may be written in. */
const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/**
 * Reads a duration as people write it in settings and on the command line: `3600` (seconds), `90s`,
 * `30m`, `24h`, `7d`. Answers whole seconds, or `undefined` for anything else (zero, a fraction, a
 * sign, spaces, another unit), so that each caller words its own refusal.
 */
export function parseDurationSeconds(raw: string): number | undefined {
  const match = /^([0-9]{1,9})([smhd]?)$/.exec(raw);
  if (match === null) return undefined;
  const [, digits = '', unit = ''] = match;
  const seconds = Number(digits) * (unit === '' ? 1 : UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS]);
  return seconds > 0 ? seconds : undefined;
}
