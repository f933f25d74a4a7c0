/**
 * Checks a pinned SSH host key written `<type> <base64>` (what `ssh-keyscan` prints after the host
 * name) the way @pulumi/command will read it: it hands the text to Go's `ssh.ParseAuthorizedKey`
 * and pins `FixedHostKey` (pulumi-command provider/pkg/provider/remote/connection.go), so a
 * malformed key would otherwise fail only when the first command dials.
 */

/** Host key types a pinned key may have: what OpenSSH servers offer (DSA is disabled by default since OpenSSH 9.8). */
export const HOST_KEY_TYPES = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "ssh-rsa",
] as const;

/** One of {@link HOST_KEY_TYPES}. */
export type HostKeyType = (typeof HOST_KEY_TYPES)[number];

// Length of an uncompressed EC point (0x04 || X || Y) per curve.
const EC_POINT_BYTES: Readonly<Record<string, number>> = { nistp256: 65, nistp384: 97, nistp521: 133 };

/** Reads the SSH wire format (RFC 4251 section 5): uint32 length-prefixed strings, in order. */
class WireReader {
  private at = 0;
  constructor(private readonly bytes: Buffer) {}

  /** The next length-prefixed field, or undefined when the blob is too short. */
  field(): Buffer | undefined {
    if (this.at + 4 > this.bytes.length) return undefined;
    const length = this.bytes.readUInt32BE(this.at);
    const start = this.at + 4;
    if (start + length > this.bytes.length) return undefined;
    this.at = start + length;
    return this.bytes.subarray(start, start + length);
  }

  /** True once every byte was read (a key blob has no trailing data). */
  done(): boolean {
    return this.at === this.bytes.length;
  }
}

/** Bit length of an SSH mpint (two's complement, big-endian; a leading 0x00 keeps it positive). */
function mpintBits(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + bytes[i].toString(2).length;
}

/** What is wrong with the key material of `type`, or undefined when it is a well-formed key. */
function blobProblem(type: HostKeyType, blob: Buffer): string | undefined {
  const wire = new WireReader(blob);
  const named = wire.field()?.toString("latin1");
  if (named !== type)
    return `has key data of ${named === undefined ? "no known" : JSON.stringify(named)} type, not ${type}: check the type word and that the key was copied whole`;
  if (type === "ssh-ed25519") {
    if (wire.field()?.length !== 32 || !wire.done())
      return "has ssh-ed25519 key data that is not one 32-byte key (copied partly?)";
  } else if (type === "ssh-rsa") {
    const e = wire.field();
    const n = wire.field();
    if (!e || !n || !wire.done()) return "has ssh-rsa key data that is not an exponent and a modulus (copied partly?)";
    // Go's crypto/rsa refuses keys below 1024 bits (Go 1.24); x/crypto/ssh's parseRSA wants an odd exponent 3 to 2^24.
    if (mpintBits(n) < 1024) return `has a ${mpintBits(n)}-bit ssh-rsa modulus; RSA host keys need 1024 bits or more`;
    const exponent = mpintBits(e) > 24 ? 0 : e.reduce((v, byte) => v * 256 + byte, 0);
    if (exponent < 3 || exponent % 2 === 0)
      return "has an ssh-rsa exponent SSH clients refuse (it must be odd, 3 to 2^24)";
  } else {
    // ecdsa-sha2-<curve>: the curve name, then the uncompressed point (RFC 5656 section 3.1).
    const curve = type.slice("ecdsa-sha2-".length);
    const curveName = wire.field()?.toString("latin1");
    const q = wire.field();
    if (curveName !== curve || !q || q.length !== EC_POINT_BYTES[curve] || q[0] !== 4 || !wire.done()) {
      return `has ${type} key data that is not one ${curve} point (copied partly?)`;
    }
  }
  return undefined;
}

/**
 * What is wrong with a pinned host key, in the user's terms; undefined when it is
 * `<type> <base64>` with a known type and well-formed key data.
 */
export function hostKeyProblem(text: string): string | undefined {
  if (text.trim() === "")
    return "is blank, which would turn host-key pinning off; remove the field to connect without pinning, or give the key";
  const parts = text.split(" ");
  const known = HOST_KEY_TYPES.join(", ");
  if (parts.length === 3 && (HOST_KEY_TYPES as readonly string[]).includes(parts[1])) {
    return `starts with ${JSON.stringify(parts[0])}: drop the host name that ssh-keyscan prints first and keep "<type> <base64>"`;
  }
  if (parts.length !== 2)
    return `is not "<type> <base64>" (one space, no comment), e.g. "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA..."`;
  const [type, data] = parts;
  if (!(HOST_KEY_TYPES as readonly string[]).includes(type))
    return `has key type ${JSON.stringify(type)}; known types: ${known}`;
  // Strict standard base64 with padding, as Go's base64.StdEncoding decodes it.
  if (
    data.length % 4 !== 0 ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(data) ||
    Buffer.from(data, "base64").toString("base64") !== data
  ) {
    return "has key data that is not base64";
  }
  return blobProblem(type as HostKeyType, Buffer.from(data, "base64"));
}
