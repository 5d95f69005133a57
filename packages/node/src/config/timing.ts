// Moved to ../timing.ts; this re-export keeps peer-node.ts compiling until its import is updated.
export type { TimingProfile } from "../timing.js";
