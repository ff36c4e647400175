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
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * Ed25519 keys by province. A node holds the private keys of the provinces it serves and the public
 * keys of every province it talks to. Layout: `<dir>/private/<province>.pem` (PKCS#8) and
 * `<dir>/public/<province>.pem` (SPKI).
 */
export class Keyring {
  constructor(
    private readonly privateKeys: Map<string, KeyObject>,
    private readonly publicKeys: Map<string, KeyObject>,
  ) {}

  canSignFor(province: string): boolean {
    return this.privateKeys.has(province);
  }

  sign(province: string, bytes: Buffer): string {
    const key = this.privateKeys.get(province);
    if (!key) throw new Error(`keyring has no private key for province ${province}`);
    return sign(null, bytes, key).toString('base64');
  }

  /** False for an unknown province, a malformed signature or a signature by another key. */
  verify(province: string, bytes: Buffer, signature: string): boolean {
    const key = this.publicKeys.get(province);
    if (!key || typeof signature !== 'string') return false;
    try {
      return verify(null, bytes, key, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }

  /** A keyring held in memory only (tests, benchmarks). */
  static generate(provinces: readonly string[]): Keyring {
    const priv = new Map<string, KeyObject>();
    const pub = new Map<string, KeyObject>();
    for (const p of provinces) {
      const pair = generateKeyPairSync('ed25519');
      priv.set(p, pair.privateKey);
      pub.set(p, pair.publicKey);
    }
    return new Keyring(priv, pub);
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
        if (existsSync(join(pubDir, `${p}.pem`))) continue;
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
        // Written under a temporary name and renamed, so a reader never sees half a key.
        const tmp = join(pubDir, `.${p}.pem.${process.pid}`);
        writeFileSync(tmp, pair.publicKey.export({ type: 'spki', format: 'pem' }));
        renameSync(tmp, join(pubDir, `${p}.pem`));
        generated.push(p);
      }
      waitForPublicKeys(pubDir, opts.provinces);
    }
    const read = (folder: string, make: (pem: string) => KeyObject) => {
      const keys = new Map<string, KeyObject>();
      if (!existsSync(folder)) return keys;
      for (const file of readdirSync(folder)) {
        const m = /^(\d{2})\.pem$/.exec(file);
        if (m) keys.set(m[1], make(readFileSync(join(folder, file), 'utf8')));
      }
      return keys;
    };
    const priv = read(privDir, (pem) => createPrivateKey(pem));
    const pub = read(pubDir, (pem) => createPublicKey(pem));
    const missing = opts.provinces.filter((p) => !priv.has(p));
    if (missing.length) {
      throw new Error(
        `KEYRING_DIR ${dir}: no private key for served province(s) ${missing.join(', ')} (expected private/<code>.pem)`,
      );
    }
    return { keyring: new Keyring(priv, pub), generated };
  }
}

/** Another process that won the exclusive create may still be writing a public key: wait briefly. */
function waitForPublicKeys(pubDir: string, provinces: readonly string[]): void {
  const deadline = Date.now() + 5000;
  const missing = () => provinces.filter((p) => !existsSync(join(pubDir, `${p}.pem`)));
  while (missing().length && Date.now() < deadline)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}
