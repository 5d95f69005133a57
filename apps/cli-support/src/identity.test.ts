import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { afterEach, describe, expect, it } from "vitest";
import { IDENTITY_KEY_FILE, loadIdentity, verifyEd25519 } from "./identity.js";

const directories: string[] = [];
const scratch = () => {
  const directory = mkdtempSync(join(tmpdir(), "p2p-identity-"));
  directories.push(directory);
  return directory;
};
afterEach(() => {
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

describe("loadIdentity", () => {
  it("creates an owner-only key on first start and loads the same identity again", () => {
    const directory = join(scratch(), "seed-127.0.0.1-5000");
    const first = loadIdentity(directory);
    const path = join(directory, IDENTITY_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.publicKey).toMatch(/^[0-9a-f]{64}$/);
    expect(loadIdentity(directory).publicKey).toBe(first.publicKey);
    // the public key is the Ed25519 key of the stored secret (checked with another library)
    const secret = Buffer.from(readFileSync(path, "utf8").trim(), "hex");
    expect(Buffer.from(ed25519.getPublicKey(secret)).toString("hex")).toBe(first.publicKey);
  });

  it("signs so that any Ed25519 implementation verifies, and verifyEd25519 refuses forgeries", () => {
    const identity = loadIdentity(scratch());
    const message = new TextEncoder().encode("p2p");
    const signature = identity.sign(message);
    expect(ed25519.verify(signature, message, Buffer.from(identity.publicKey, "hex"))).toBe(true);
    expect(verifyEd25519(identity.publicKey, message, signature)).toBe(true);
    const other = loadIdentity(scratch());
    expect(verifyEd25519(other.publicKey, message, signature)).toBe(false);
    expect(verifyEd25519("zz", message, signature)).toBe(false);
    expect(verifyEd25519(identity.publicKey, message, signature.subarray(1))).toBe(false);
  });

  it("makes a readable key file private, and refuses a malformed one without printing it", () => {
    const directory = scratch();
    const path = join(directory, IDENTITY_KEY_FILE);
    writeFileSync(path, `${"ab".repeat(32)}\n`, { mode: 0o644 });
    loadIdentity(directory);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    writeFileSync(path, "not-a-key-but-a-secret-anyway");
    expect(() => loadIdentity(directory)).toThrow(
      expect.objectContaining({
        code: "IDENTITY_INVALID",
        message: expect.not.stringContaining("secret-anyway"),
      }),
    );
  });

  it("two processes making the same identity at once end up with one key", async () => {
    const directory = scratch();
    {
      const script = `import { loadIdentity } from ${JSON.stringify(new URL("./identity.ts", import.meta.url).pathname)};
process.stdout.write(loadIdentity(process.argv[1]).publicKey);`;
      const run = () =>
        new Promise<string>((resolve, reject) => {
          execFile(
            process.execPath,
            [
              "--import",
              "tsx",
              "--conditions=@p2p/source",
              "--input-type=module",
              "-e",
              script,
              directory,
            ],
            (error, stdout) => (error === null ? resolve(stdout) : reject(error)),
          );
        });
      const keys = await Promise.all([run(), run(), run(), run()]);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(readdirSync(directory)).toEqual(["secret-key"]); // no temporary file left behind
    }
  }, 60_000);
});
