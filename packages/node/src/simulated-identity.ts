import { createEd25519Signer, keyPairFromSeed } from "@p2p/liveness";
import type { RandomSource } from "@p2p/wire";
import type { LinkSigner, PinnedSeed } from "./link-types.js";

/** What a simulated node needs to prove who it is: an identity key and link randomness. */
export interface SimulatedIdentity {
  readonly signer: LinkSigner;
  readonly randomBytes: (length: number) => Uint8Array;
}

/**
 * Makes the signer of a 32-byte Ed25519 secret. Any RFC 8032 implementation signs the same
 * bytes, so a faster one (`nodeEd25519Signer` of `@p2p/wire/node-crypto` in Node) replays the
 * same run.
 */
export type SignerFactory = (secretKey: Uint8Array) => LinkSigner;

/** The portable signer (`@noble/curves`, any JavaScript runtime). */
const nobleSigner: SignerFactory = (secretKey) =>
  createEd25519Signer(keyPairFromSeed(secretKey).secretKey);

/**
 * An identity for a node of a simulation, drawn from a seeded source so that a run replays
 * byte for byte. Never use it on a real network: its keys are as predictable as the seed.
 */
export function simulatedIdentity(
  random: RandomSource,
  signerOf: SignerFactory = nobleSigner,
): SimulatedIdentity {
  const randomBytes = (length: number): Uint8Array =>
    Uint8Array.from({ length }, () => Math.floor(random.next() * 256));
  return { signer: signerOf(randomBytes(32)), randomBytes };
}

/** Simulated identities for `addresses` (one seeded stream each) and the pinned seed list. */
export function simulatedSeeds(
  addresses: readonly string[],
  randomFor: (label: string) => RandomSource,
  signerOf: SignerFactory = nobleSigner,
): { readonly pinned: readonly PinnedSeed[]; identity(address: string): SimulatedIdentity } {
  const identities = new Map(
    addresses.map((address) => [
      address,
      simulatedIdentity(randomFor(`identity ${address}`), signerOf),
    ]),
  );
  const identity = (address: string): SimulatedIdentity => {
    const found = identities.get(address);
    if (found === undefined) throw new RangeError(`${address} is not one of the seeds`);
    return found;
  };
  return {
    pinned: addresses.map((address) => ({ address, key: identity(address).signer.publicKey })),
    identity,
  };
}
