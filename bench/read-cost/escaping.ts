import type { Database } from 'better-sqlite3';
import type pg from 'pg';

/**
 * Code points a stored text may hold (Parley refuses NUL and unpaired surrogates): every one up to
 * U+3000, where the escapes and the scripts of most texts are, then every 97th of the rest of the BMP and
 * every 997th above it.
 */
function sampleCodePoints(): number[] {
  const points: number[] = [];
  for (let point = 1; point <= 0x10ffff; point++) {
    if (point >= 0xd800 && point <= 0xdfff) continue;
    if (point > 0x3000 && point % (point < 0x10000 ? 97 : 997) !== 0) continue;
    points.push(point);
  }
  return points;
}

/** "identical for 45,211 code points", or the first few that differ from JSON.stringify. */
function verdict(points: readonly number[], escaped: readonly string[]): string {
  const differing = points.flatMap((point, index) => {
    const expected = JSON.stringify(String.fromCodePoint(point));
    return escaped[index] === expected
      ? []
      : [`U+${point.toString(16).toUpperCase()}: ${escaped[index]} ≠ ${expected}`];
  });
  if (differing.length === 0)
    return `identical to JSON.stringify for ${points.length.toLocaleString('en-US')} code points`;
  return `differs from JSON.stringify for ${differing.length} code points: ${differing.slice(0, 5).join('; ')}`;
}

/** Whether SQLite's json_quote (what json_object uses for a text) escapes a text as JSON.stringify does. */
export function sqliteEscaping(db: Database): string {
  const quote = db.prepare('SELECT json_quote(?)').pluck();
  const points = sampleCodePoints();
  return verdict(
    points,
    points.map((point) => quote.get(String.fromCodePoint(point)) as string),
  );
}

/** Whether PostgreSQL's to_json(text) escapes a text as JSON.stringify does. */
export async function postgresEscaping(client: pg.Client): Promise<string> {
  const points = sampleCodePoints();
  const { rows } = await client.query<{ escaped: string }>(
    'SELECT to_json(t)::text AS escaped FROM unnest($1::text[]) WITH ORDINALITY AS u (t, n) ORDER BY n',
    [points.map((point) => String.fromCodePoint(point))],
  );
  return verdict(
    points,
    rows.map((row) => row.escaped),
  );
}
