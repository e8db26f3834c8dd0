import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';
import { type AuthResult, type Identity, refuse } from './identity.js';
import { userIdFromSubject } from './user-id.js';

/** Parley's own tokens: HMAC with AUTH_SECRET, nothing else, whatever a token's header asks for. */
const SECRET_ALGORITHMS = ['HS256'];
/** Tokens of an identity provider: only public-key algorithms, so its public keys can never act as an HMAC secret. */
const KEY_SET_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

/**
 * Clocks of servers and identity providers drift a little: `exp` and `nbf` are honoured with this much
 * slack. Small against token lifetimes of minutes to days.
 */
export const CLOCK_TOLERANCE_SECONDS = 5;

/** After fetching the key set, a token with an unknown `kid` refetches it at most this often. */
export const JWKS_COOLDOWN_MS = 30_000;
const JWKS_TIMEOUT_MS = 5_000;

/** Far more than any real token; bounds the work a made-up one can cause. */
const MAX_TOKEN_LENGTH = 8_192;

export interface TokenVerifierOptions {
  /** AUTH_SECRET. */
  secret: string;
  /** AUTH_JWKS_URL: also accept tokens signed by a key of this set. */
  jwksUrl?: string | undefined;
  /** AUTH_ISSUER and AUTH_AUDIENCE, required of the key set's tokens when set. */
  issuer?: string | undefined;
  audience?: string | undefined;
  /** Tests shorten the refetch cooldown; the server keeps JWKS_COOLDOWN_MS. */
  jwksCooldownMs?: number;
}

/** Judges a bearer token. Whether its user exists is the next step's question (known-user.ts). */
export interface TokenVerifier {
  /** Never throws for a bad token: every refusal is an answer, and none repeats the token. */
  verify(token: string): Promise<AuthResult>;
}

/** A key set that could not be fetched: no judgement on the token itself. */
class KeySetUnavailable extends Error {}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const secret = new TextEncoder().encode(options.secret);
  const secretChecks: JWTVerifyOptions = {
    algorithms: SECRET_ALGORITHMS,
    requiredClaims: ['exp'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };
  const keySet = options.jwksUrl === undefined ? undefined : keySetResolver(options.jwksUrl, options.jwksCooldownMs);
  const keySetChecks: JWTVerifyOptions = {
    ...secretChecks,
    algorithms: KEY_SET_ALGORITHMS,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  };

  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH)
        return refuse('malformed', `the token is longer than ${MAX_TOKEN_LENGTH} characters`);
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        return refuse('malformed', 'the token is not a JWT: three base64url parts separated by dots');
      }
      try {
        // The header only picks which key to try; each verification pins its own algorithms again.
        const { payload } =
          keySet !== undefined && KEY_SET_ALGORITHMS.includes(String(alg))
            ? await jwtVerify(token, keySet, keySetChecks)
            : await jwtVerify(token, secret, secretChecks);
        return identityOf(payload);
      } catch (error) {
        return refusalOf(error, keySet !== undefined);
      }
    },
  };
}

/** jose's remote key set, with fetch failures told apart from keys that do not match. */
function keySetResolver(url: string, cooldownMs = JWKS_COOLDOWN_MS): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(url), {
    cooldownDuration: cooldownMs,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new KeySetUnavailable('the key set could not be fetched', { cause: error });
    }
  };
}

function identityOf(payload: JWTPayload): AuthResult {
  const { sub, admin } = payload;
  if (sub !== undefined && typeof sub !== 'string') return refuse('invalid', 'the token\'s "sub" must be a string');
  if (admin !== undefined && typeof admin !== 'boolean')
    return refuse('invalid', 'the token\'s "admin" must be true or false');
  if (admin === true) return { ok: true, identity: { kind: 'admin' } satisfies Identity };
  if (sub === undefined)
    return refuse('invalid', 'the token has no "sub": it must name the user it acts for (or carry "admin": true)');
  const userId = userIdFromSubject(sub);
  if (userId === undefined)
    return refuse(
      'invalid',
      'the token\'s "sub" must be a user id: a string of digits without leading zeros, like "42"',
    );
  return { ok: true, identity: { kind: 'user', userId } };
}

/** Words each refusal for the client; jose's own messages are not passed on. */
function refusalOf(error: unknown, withKeySet: boolean): AuthResult {
  if (error instanceof KeySetUnavailable)
    return refuse('keys_unavailable', "the identity provider's key set could not be fetched; retry shortly");
  if (error instanceof errors.JWTExpired) return refuse('expired', 'the token has expired; get a new one');
  if (error instanceof errors.JWTClaimValidationFailed) return refuse('invalid', claimProblem(error));
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    const accepted = withKeySet ? 'HS256, RS256, ES256 or EdDSA' : 'HS256';
    return refuse('invalid', `the token's algorithm ("alg") is not accepted here: it must be ${accepted}`);
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return refuse('invalid', 'no single key of the key set matches the token\'s "kid"');
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return refuse('malformed', 'the token is not a well-formed JWT');
  // A bad signature, and anything unforeseen: refusing is the safe answer.
  return refuse(
    'invalid',
    "the token's signature does not verify: it was changed, or signed by a key this server does not trust",
  );
}

function claimProblem({ claim, reason }: InstanceType<typeof errors.JWTClaimValidationFailed>): string {
  if (reason === 'missing')
    return `the token has no "${claim}"${claim === 'exp' ? ': tokens without an expiry are refused' : ''}`;
  if (claim === 'nbf') return 'the token is not valid yet ("nbf" is in the future)';
  if (claim === 'iss') return 'the token\'s issuer ("iss") is not the one this server trusts';
  if (claim === 'aud') return 'the token is meant for another audience ("aud")';
  return `the token's "${claim}" claim is not acceptable`;
}
