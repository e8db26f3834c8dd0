import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export const SECRET = 'test-secret-that-is-long-enough-32+';

const seconds = () => Math.floor(Date.now() / 1000);

/** A token as Parley signs it, with whatever claims a test needs (`exp` one hour ahead unless given). */
export function hs256(claims: JWTPayload, secret = SECRET, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ exp: seconds() + 3_600, ...claims })
    .setProtectedHeader({ alg: 'HS256', ...header })
    .sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);
}

/** A signing key of an identity provider, and its public half as its key set lists it. */
export interface ProviderKey {
  readonly alg: 'RS256' | 'ES256' | 'EdDSA';
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

export async function providerKey(alg: ProviderKey['alg'], kid: string): Promise<ProviderKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export function signedBy(key: ProviderKey, claims: JWTPayload): Promise<string> {
  return new SignJWT({ exp: seconds() + 3_600, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .sign(key.privateKey);
}

/** A token's three parts, to take apart and put together wrongly. */
export const partsOf = (token: string) => token.split('.') as [string, string, string];
export const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
export { seconds };
