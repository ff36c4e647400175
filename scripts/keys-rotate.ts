/**
 * Rotates a province's X25519 encryption key in a keyring folder (KEYRING_DIR, default .keys): a new
 * pair is added, the published public key is replaced, older private keys stay so messages sealed
 * for them still open. Prints the new key id.
 *
 *   npm run -s keys:rotate -- --province 33 [--dir /etc/idcard/keys]
 *
 * `--province national` makes (or rotates) the national operations node's key, the one provinces
 * seal their statistics snapshots for.
 */
import { PROVINCE_CODES } from '@app/domain';
import { Keyring, NATIONAL } from '@app/messaging';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function main() {
  const province = arg('province');
  if (!province || !(PROVINCE_CODES.includes(province) || province === NATIONAL))
    throw new Error(`--province must be a 2-digit province code (e.g. 33) or ${NATIONAL}`);
  const dir = arg('dir') ?? process.env.KEYRING_DIR ?? '.keys';
  const kid = Keyring.addEncryptionKey(dir, province);
  process.stdout.write(`${kid}\n`);
  process.stderr.write(
    `${province === NATIONAL ? 'the national node' : `province ${province}`}: new encryption key ${kid} in ${dir}; restart its nodes, then publish public/${province}.x25519.pem to the ${province === NATIONAL ? 'provinces' : 'other provinces'}\n`,
  );
}

main();
