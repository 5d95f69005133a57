// The memory floor of a Node process on this machine: a bare `node` (with a peer's V8 flags)
// that does the system work a peer does — loopback TCP, Ed25519 signatures, X25519 key
// agreement, ChaCha20-Poly1305, SHA-256 — and nothing else (no libraries, no p2p code). A lone
// peer's RSS less this floor is what p2p's own code and libraries cost; the floor itself is
// mostly the node executable's pages.
import { PEER_PROCESS_FLAGS } from "../../apps/cli-support/src/files/child-process.js";
import { killChild, memoryOf, type ProcessMemory, spawnChild } from "./processes.js";

/** Round trips of the floor's work loop, each with one signature, key agreement and seal. */
const ROUND_TRIPS = 20_000;

const SCRIPT = `
const crypto = require("node:crypto");
const net = require("node:net");
const signer = crypto.generateKeyPairSync("ed25519");
const ours = crypto.generateKeyPairSync("x25519");
const theirs = crypto.generateKeyPairSync("x25519");
const server = net.createServer((socket) => socket.on("data", (data) => socket.write(data)));
server.listen(0, "127.0.0.1", () => {
  const client = net.connect(server.address().port, "127.0.0.1");
  let left = ${ROUND_TRIPS};
  client.on("data", () => {
    const body = crypto.randomBytes(100);
    const signature = crypto.sign(null, body, signer.privateKey);
    if (!crypto.verify(null, body, signer.publicKey, signature)) throw new Error("verify");
    const key = crypto.diffieHellman({ privateKey: ours.privateKey, publicKey: theirs.publicKey });
    const cipher = crypto.createCipheriv("chacha20-poly1305", key, Buffer.alloc(12), { authTagLength: 16 });
    cipher.update(body);
    cipher.final();
    cipher.getAuthTag();
    crypto.createHash("sha256").update(body).digest();
    if (--left > 0) client.write(body);
    else console.log("ready");
  });
  client.write("x");
});
`;

/** Runs the floor process, measures it once its work is done, and kills it. */
export async function measureNodeFloor(): Promise<ProcessMemory> {
  const child = spawnChild("node floor", process.execPath, [...PEER_PROCESS_FLAGS, "-e", SCRIPT]);
  try {
    await child.waitForLine(/^ready$/, 60_000);
    return memoryOf(child.pid);
  } finally {
    killChild(child);
  }
}
