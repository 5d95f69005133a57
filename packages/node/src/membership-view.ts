// Kept for the hosts' imports; the functions live with the protocols that own them.
export { undirectedNeighbours } from "@p2p/liveness";
export { degreesOf } from "@p2p/topology";
