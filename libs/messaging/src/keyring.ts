import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  sign,
  verify,
} from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { NATIONAL } from './catalog';
import { EncryptionKey, encryptionKeyId } from './sealing';

/** The keys of the provinces this node serves (signing and opening) and of every other province. */
export interface KeyringKeys {
  /** Ed25519 signing keys of the provinces this node serves. */
  signing: Map<string, KeyObject>;
  /** Ed25519 public keys of every province (signature checks). */
  verifying: Map<string, KeyObject>;
  /** Each province's current X25519 encryption public key: payloads to it are sealed for this one. */
  encryption: Map<string, EncryptionKey>;
  /** X25519 private keys of the provinces this node serves, by key id: current and retired ones. */
  decryption: Map<string, Map<string, KeyObject>>;
}

/**
 * The keys of every province, by province code. Each province publishes two public keys: Ed25519
 * for the signatures on its messages, X25519 for the payloads sealed for it. A node holds the
 * private keys of the provinces it serves.
 *
 * Layout of a keyring folder:
 *   public/<province>.pem                 Ed25519 public key (SPKI PEM)
 *   public/<province>.x25519.pem          current X25519 encryption public key (SPKI PEM)
 *   private/<province>.pem                Ed25519 private key (PKCS#8 PEM)
 *   private/<province>.x25519/<kid>.pem   X25519 private keys (PKCS#8 PEM): the current one and every
 *                                         retired one still needed to open older messages
 * Key ids are computed from the keys (RFC 7638 thumbprints), so file names are for people only.
 * The national operations node signs nothing; it holds an X25519 pair under the name `national`
 * (NATIONAL) the same way: provinces seal their statistics snapshots for
 * `public/national.x25519.pem`, and only the national node holds `private/national.x25519/`.
 */
export class Keyring {
  constructor(private readonly keys: KeyringKeys) {}

  canSignFor(province: string): boolean {
    return this.keys.signing.has(province);
  }

  sign(province: string, bytes: Buffer): string {
    const key = this.keys.signing.get(province);
    if (!key) throw new Error(`keyring has no private key for province ${province}`);
    return sign(null, bytes, key).toString('base64');
  }

  /** False for an unknown province, a malformed signature or a signature by another key. */
  verify(province: string, bytes: Buffer, signature: string): boolean {
    const key = this.keys.verifying.get(province);
    if (!key || typeof signature !== 'string') return false;
    try {
      return verify(null, bytes, key, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }

  /** The key payloads for this province are sealed for (its current encryption key). */
  encryptionKey(province: string): EncryptionKey {
    const key = this.keys.encryption.get(province);
    if (!key) throw new Error(`keyring has no encryption public key for province ${province}`);
    return key;
  }

  /** A private encryption key of a served province by key id (current or retired), if held. */
  decryptionKey(province: string, kid: string): KeyObject | undefined {
    return this.keys.decryption.get(province)?.get(kid);
  }

  /** Key ids this node can open payloads with, per served province (for ops and start-up logs). */
  decryptionKeyIds(province: string): string[] {
    return [...(this.keys.decryption.get(province)?.keys() ?? [])];
  }

  /** A keyring held in memory only (tests, benchmarks): every province's keys. */
  static generate(provinces: readonly string[]): Keyring {
    const keys = emptyKeys();
    for (const p of provinces) {
      const signing = generateKeyPairSync('ed25519');
      keys.signing.set(p, signing.privateKey);
      keys.verifying.set(p, signing.publicKey);
      const encryption = generateKeyPairSync('x25519');
      const kid = encryptionKeyId(encryption.publicKey);
      keys.encryption.set(p, { kid, publicKey: encryption.publicKey });
      keys.decryption.set(p, new Map([[kid, encryption.privateKey]]));
    }
    return new Keyring(keys);
  }

  /**
   * A new encryption key pair for a province, written into a keyring folder: the private key joins
   * the province's private keys (older ones stay, to open messages sealed before the rotation),
   * the public key replaces the published one. Returns the new key id. Nodes read keys at start:
   * restart the province's own nodes first (they then open both), then publish the public file to
   * the other provinces' nodes.
   */
  static addEncryptionKey(dir: string, province: string): string {
    const pair = generateKeyPairSync('x25519');
    const kid = encryptionKeyId(pair.publicKey);
    const privDir = join(dir, 'private', `${province}.x25519`);
    mkdirSync(privDir, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(privDir, `${kid}.pem`),
      pair.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      { mode: 0o600, flag: 'wx' },
    );
    const pubDir = join(dir, 'public');
    mkdirSync(pubDir, { recursive: true });
    writeAtomically(
      join(pubDir, `${province}.x25519.pem`),
      pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    );
    return kid;
  }

  /**
   * Loads the keyring from a folder. With `autogenerate` (development only), a province with no key
   * pair at all gets a fresh one written to the folder, so a first start just works; a province
   * whose public key exists without its private key is never overwritten.
   */
  static load(
    dir: string,
    opts: { provinces: readonly string[]; autogenerate: boolean },
  ): { keyring: Keyring; generated: string[] } {
    const privDir = join(dir, 'private');
    const pubDir = join(dir, 'public');
    const generated: string[] = [];
    if (opts.autogenerate) {
      mkdirSync(privDir, { recursive: true, mode: 0o700 });
      mkdirSync(pubDir, { recursive: true });
      for (const p of opts.provinces) {
        if (!existsSync(join(pubDir, `${p}.x25519.pem`))) {
          // Two nodes starting together may both add a key: both private keys are kept, the
          // last public file written is the current one, and both nodes read it back below.
          Keyring.addEncryptionKey(dir, p);
        }
        // The national node signs nothing: it holds an encryption pair only.
        if (p === NATIONAL || existsSync(join(pubDir, `${p}.pem`))) continue;
        const pair = generateKeyPairSync('ed25519');
        try {
          // Exclusive create: when two nodes start together on a fresh folder, one generates the
          // pair and the other uses it (both read the keys back from disk below).
          writeFileSync(
            join(privDir, `${p}.pem`),
            pair.privateKey.export({ type: 'pkcs8', format: 'pem' }),
            {
              mode: 0o600,
              flag: 'wx',
            },
          );
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw error;
        }
        writeAtomically(
          join(pubDir, `${p}.pem`),
          pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
        );
        generated.push(p);
      }
      waitForPublicKeys(
        pubDir,
        opts.provinces.filter((p) => p !== NATIONAL),
      );
    }
    const keys = emptyKeys();
    const files = (folder: string) => (existsSync(folder) ? readdirSync(folder) : []);
    for (const file of files(privDir)) {
      const m = /^(\d{2}|national)\.pem$/.exec(file);
      if (m) keys.signing.set(m[1], createPrivateKey(readFileSync(join(privDir, file), 'utf8')));
      const x = /^(\d{2}|national)\.x25519$/.exec(file);
      if (x && statSync(join(privDir, file)).isDirectory()) {
        const byKid = new Map<string, KeyObject>();
        for (const keyFile of files(join(privDir, file)).filter((f) => f.endsWith('.pem'))) {
          const key = createPrivateKey(readFileSync(join(privDir, file, keyFile), 'utf8'));
          byKid.set(encryptionKeyId(createPublicKey(key)), key);
        }
        keys.decryption.set(x[1], byKid);
      }
    }
    for (const file of files(pubDir)) {
      const m = /^(\d{2}|national)\.pem$/.exec(file);
      if (m) keys.verifying.set(m[1], createPublicKey(readFileSync(join(pubDir, file), 'utf8')));
      const x = /^(\d{2}|national)\.x25519\.pem$/.exec(file);
      if (x) {
        const publicKey = createPublicKey(readFileSync(join(pubDir, file), 'utf8'));
        keys.encryption.set(x[1], { kid: encryptionKeyId(publicKey), publicKey });
      }
    }
    const problems: string[] = [];
    const missing = opts.provinces.filter((p) => p !== NATIONAL && !keys.signing.has(p));
    if (missing.length)
      problems.push(
        `no private key for served province(s) ${missing.join(', ')} (expected private/<code>.pem)`,
      );
    // A served province must be able to open what is sealed for its published key.
    const unopenable = opts.provinces.filter((p) => {
      const current = keys.encryption.get(p);
      return !current || !keys.decryption.get(p)?.has(current.kid);
    });
    if (unopenable.length)
      problems.push(
        `no encryption key pair for served province(s) ${unopenable.join(', ')} (expected public/<code>.x25519.pem and its private key in private/<code>.x25519/)`,
      );
    if (problems.length) throw new Error(`KEYRING_DIR ${dir}: ${problems.join('; ')}`);
    return { keyring: new Keyring(keys), generated };
  }
}

function emptyKeys(): KeyringKeys {
  return { signing: new Map(), verifying: new Map(), encryption: new Map(), decryption: new Map() };
}

/** Written under a temporary name and renamed, so a reader never sees half a key. */
function writeAtomically(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** Another process that won the exclusive create may still be writing a public key: wait briefly. */
function waitForPublicKeys(pubDir: string, provinces: readonly string[]): void {
  const deadline = Date.now() + 5000;
  const missing = () => provinces.filter((p) => !existsSync(join(pubDir, `${p}.pem`)));
  while (missing().length && Date.now() < deadline)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}
