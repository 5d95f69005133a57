/**
 * The project's one seeded RandomSource lives in `@p2p/wire`; it is re-exported here so that
 * existing `@p2p/topology` importers keep working. New code imports it from `@p2p/wire`.
 */
export { createSeededRandom } from "@p2p/wire";
