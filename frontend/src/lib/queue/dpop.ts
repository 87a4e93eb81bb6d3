// The key that binds a waiting-room pass to this tab (DPoP, RFC 9449 simplified; docs/api.md
// "Bot friction"). An ECDSA P-256 key pair made with WebCrypto, its private half not
// extractable, kept in memory for the tab: the join sends the public key, and every hold with
// a bound pass carries a proof JWT signed with it. A reloaded tab makes a new key; its old
// pass is then refused (DPOP_PROOF_INVALID) and the page sends the buyer back to the line.

let pair: Promise<CryptoKeyPair> | null = null;

function keyPair(): Promise<CryptoKeyPair> {
  pair ??= crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  return pair;
}

export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

/** The public key, as the join sends it. */
export async function publicJwk(): Promise<PublicJwk> {
  const jwk = await crypto.subtle.exportKey('jwk', (await keyPair()).publicKey);
  return { kty: 'EC', crv: 'P-256', x: jwk.x ?? '', y: jwk.y ?? '' };
}

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encode = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));

/** A proof for one request: `method` on the absolute `url`, now, with a fresh id. */
export async function dpopProof(method: string, url: string): Promise<string> {
  const keys = await keyPair();
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: await publicJwk() };
  const claims = { htm: method, htu: url, iat: Math.floor(Date.now() / 1000), jti: crypto.randomUUID() };
  const input = `${encode(header)}.${encode(claims)}`;
  // WebCrypto's ECDSA signature is r || s, exactly the JWS form.
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, new TextEncoder().encode(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

/** The key thumbprint a pass is bound to (`cnf.jkt`), or null for an unbound pass. */
export function passBinding(pass: string | null | undefined): string | null {
  const payload = pass?.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { cnf?: { jkt?: string } };
    return claims.cnf?.jkt ?? null;
  } catch {
    return null;
  }
}

/** The RFC 7638 thumbprint of this tab's key: what a pass bound to it names. */
export async function thumbprint(): Promise<string> {
  const { crv, kty, x, y } = await publicJwk();
  const text = JSON.stringify({ crv, kty, x, y });
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}
