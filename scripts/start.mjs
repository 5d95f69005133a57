#!/usr/bin/env node
// `pnpm start [config.yml]`: starts the default network through the starter app.
console.error("p2p: the starter app is not built yet; see the README for what exists.");
process.exit(1);
