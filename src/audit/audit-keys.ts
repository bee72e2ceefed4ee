/**
 * The audit log's two keys, both kept in files outside the database so that someone holding only
 * the database can neither recompute the chain nor forge a checkpoint:
 *
 * - the MAC key (`DATA/audit.key`, or SHIPGATE_AUDIT_KEY_FILE): 32 random bytes, hex, that key the
 *   HMAC-SHA256 chain. Every server writing to one PostgreSQL must use the same file.
 * - the signing key (`DATA/audit-signing.key`, or SHIPGATE_AUDIT_SIGNING_KEY_FILE): an Ed25519
 *   private key (PKCS#8 PEM) that signs checkpoints of the chain head.
 *
 * Both are created at first start with mode 0600 (exclusively: two servers starting at once on a
 * shared file end up with the one key the first wrote) and tightened to 0600 when found wider.
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { PRIVATE_FILE_MODE, tighten } from '../core/private-files';

export interface MacKey {
  key: Buffer;
  /** Names the key without revealing it: HMAC of a fixed label, 16 hex chars. */
  id: string;
  file: string;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as SPKI PEM (what a checkpoint carries). */
  publicKeyPem: string;
  /** SHA-256 hex of the public key's DER (SPKI). */
  fingerprint: string;
  file: string;
}

/** Writes `text` to `file` only if it does not exist yet (mode 0600); false when another process won. */
function createExclusive(file: string, text: () => string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', PRIVATE_FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`cannot create audit key file ${file}: ${(e as Error).message}`);
  }
  try {
    writeSync(fd, text());
  } finally {
    closeSync(fd);
  }
  return true;
}

function readKeyFile(file: string): string {
  tighten(file, PRIVATE_FILE_MODE);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read audit key file ${file}: ${(e as Error).message}`);
  }
}

export function macKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('shipgate audit key id').digest('hex').slice(0, 16);
}

/** Loads the MAC key from `file`, creating it (32 random bytes, hex, 0600) when missing. */
export function loadOrCreateMacKey(file: string): MacKey {
  createExclusive(file, () => randomBytes(32).toString('hex') + '\n');
  const text = readKeyFile(file).trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new Error(`audit key file ${file} does not hold a key: expected 64 hex characters (32 bytes)`);
  const key = Buffer.from(text, 'hex');
  return { key, id: macKeyId(key), file };
}

export function publicKeyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** Loads the Ed25519 signing key from `file`, creating a new pair (PKCS#8 PEM, 0600) when missing. */
export function loadOrCreateSigningKey(file: string): SigningKey {
  createExclusive(file, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const pem = readKeyFile(file);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (e) {
    throw new Error(`audit signing key file ${file} does not hold a private key: ${(e as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`audit signing key file ${file} holds a ${privateKey.asymmetricKeyType} key; expected ed25519`);
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    fingerprint: publicKeyFingerprint(publicKey),
    file,
  };
}
