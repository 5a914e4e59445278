'use strict';
// HS256 JWT check with Node's crypto: the same work Duet's TokenVerifier does (signature, alg
// pinned, exp/nbf with 30 s skew, sub required). Secret from DUET_JWT_SECRET (raw UTF-8 bytes).
const crypto = require('crypto');

const secret = Buffer.from(process.env.DUET_JWT_SECRET || '', 'utf8');
if (secret.length < 32) {
  throw new Error('DUET_JWT_SECRET must be at least 32 bytes');
}

function verify(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const mac = crypto.createHmac('sha256', secret).update(parts[0] + '.' + parts[1]).digest();
  const sig = Buffer.from(parts[2], 'base64url');
  if (sig.length !== mac.length || !crypto.timingSafeEqual(sig, mac)) return null;
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch (e) {
    return null;
  }
  if (header.alg !== 'HS256') return null;
  const now = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp + 30 < now) return null;
  if (typeof claims.nbf === 'number' && claims.nbf - 30 > now) return null;
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 128) return null;
  return { user: claims.sub, exp: claims.exp };
}

module.exports = { verify };
