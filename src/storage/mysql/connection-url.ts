/** Where a MySQL database is and who Parley is there, as read from a `mysql://` URL. */
export interface MysqlAddress {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Absent for a server-level URL such as `mysql://root@127.0.0.1:3306/`. */
  database: string | undefined;
}

const SCHEMES = new Set(['mysql:', 'mysql+pymysql:']);
const DEFAULT_PORT = 3306;

/**
 * Reads `mysql://user:password@host:port/database`. The seed deploys SQLAlchemy-style
 * `mysql+pymysql://...` strings, which name the same things; the driver part is ignored, and so is any
 * query string (`?charset=...`): Parley sets the session up itself.
 */
export function parseMysqlUrl(url: string): MysqlAddress {
  const parsed = parse(url);
  if (!SCHEMES.has(parsed.protocol)) {
    throw new Error(`a MySQL URL starts with mysql:// or mysql+pymysql://, not ${parsed.protocol}//`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? DEFAULT_PORT : Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: database === '' ? undefined : database,
  };
}

/** Node's own error would quote the input, password included. */
function parse(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new Error('the MySQL URL is not a URL like mysql://user:password@host:port/database');
  }
}
