/**
 * Generates the protocol reference from the zod schemas every message is validated with:
 * `docs/protocol/<type>.schema.json` (one JSON Schema per message type, plus
 * `wire-message.schema.json` for the whole union) and `docs/PROTOCOL.md` (a table of contents,
 * then per message its type, package, description and field table).
 *
 *   node --import tsx --conditions=@p2p/source scripts/protocol-doc.ts          # write
 *   node --import tsx --conditions=@p2p/source scripts/protocol-doc.ts --check  # compare only
 *
 * `--check` writes nothing and exits 1 naming every file that differs from what the schemas
 * produce. Descriptions come from a schema's `.describe()`/`.meta()` when it has one, otherwise
 * from DESCRIPTIONS below; a message type without either fails the run, so a new message
 * cannot go undocumented.
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GossipWireMessageSchema } from "../packages/gossip/src/index.js";
import {
  AliveVoteMessageSchema,
  LivenessMessageSchema,
  SeedProbeRequestSchema,
  SignedVoteSchema,
} from "../packages/liveness/src/index.js";
import { NodeControlMessageSchema, WireMessageSchema } from "../packages/node/src/index.js";
import {
  AttestationSchema,
  BallotSchema,
  MemberEntrySchema,
  MemberRecordSchema,
  QuorumMessageSchema,
  RequestProofSchema,
} from "../packages/quorum/src/index.js";
import { OverlayMessageSchema } from "../packages/topology/src/index.js";
import { AddressSchema } from "../packages/wire/src/index.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const MARKDOWN_PATH = "docs/PROTOCOL.md";
const SCHEMA_DIR = "docs/protocol";
const UNION_FILE = "wire-message.schema.json";

/** A JSON Schema node as zod emits it (only the keywords this script reads are typed). */
interface JsonSchema {
  [keyword: string]: unknown;
  type?: string;
  title?: string;
  description?: string;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

/** The zod schema of one message: an object whose `type` field is a literal. */
interface MessageSchema {
  shape: { type: { value: unknown } };
  toJSONSchema(params: JsonSchemaParams): unknown;
}

type JsonSchemaParams = NonNullable<Parameters<typeof WireMessageSchema.toJSONSchema>[0]>;
type Override = NonNullable<JsonSchemaParams["override"]>;

/** Which package defines which messages, in the order the reference lists them. */
const OWNERS: ReadonlyArray<{ packageName: string; source: string; schemas: unknown[] }> = [
  {
    packageName: "@p2p/quorum",
    source: "packages/quorum/src/messages.ts",
    schemas: [QuorumMessageSchema],
  },
  {
    packageName: "@p2p/topology",
    source: "packages/topology/src/messages.ts",
    schemas: [OverlayMessageSchema],
  },
  {
    packageName: "@p2p/gossip",
    source: "packages/gossip/src/messages.ts",
    schemas: [GossipWireMessageSchema],
  },
  {
    packageName: "@p2p/liveness",
    source: "packages/liveness/src/messages.ts",
    schemas: [LivenessMessageSchema],
  },
  {
    packageName: "@p2p/liveness",
    source: "packages/liveness/src/seed-messages.ts",
    schemas: [SeedProbeRequestSchema, AliveVoteMessageSchema],
  },
  {
    packageName: "@p2p/node",
    source: "packages/node/src/messages.ts",
    schemas: [NodeControlMessageSchema],
  },
];

/** Shared schemas, documented once under their name and linked from every field that uses them. */
const SHARED: ReadonlyArray<{ name: string; schema: unknown; description: string }> = [
  {
    name: "Address",
    schema: AddressSchema,
    description:
      "A node's address as a canonical string: `ip:port` for IPv4, `[ip]:port` for IPv6 (lower case, no leading zeros, port 1–65535). Non-canonical spellings are refused.",
  },
  {
    name: "Ballot",
    schema: BallotSchema,
    description:
      "A CASPaxos ballot: a counter and the proposing seed; ordered by counter, then proposer.",
  },
  {
    name: "MemberRecord",
    schema: MemberRecordSchema,
    description:
      "One peer's membership record, the value replicated per key (the key is the peer's address). `evidence` is only present on `dead` records.",
  },
  {
    name: "MemberEntry",
    schema: MemberEntrySchema,
    description:
      "One entry of a list response: the record and its version (the ballot counter that committed it).",
  },
  {
    name: "RequestProof",
    schema: RequestProofSchema,
    description:
      "A peer's own request signed by its identity key: what an acceptor checks before it lets a record change (WIRE.md §8.4).",
  },
  {
    name: "Attestation",
    schema: AttestationSchema,
    description:
      "A seed's signature of having accepted a value at a ballot; a quorum of them over one value is a commit certificate (WIRE.md §8.7).",
  },
  {
    name: "SignedVote",
    schema: SignedVoteSchema,
    description:
      "A neighbour's signed verdict about a suspect, for one vote round: the unit of evidence the seeds check (WIRE.md §8.6).",
  },
];

/** Who sends each message, and what it means (used when the schema carries no description). */
const DESCRIPTIONS: Readonly<Record<string, { sentBy: string; description: string }>> = {
  "quorum.prepare": {
    sentBy: "seed → seed",
    description: "CASPaxos phase 1a: a proposer asks for a promise on `key` at `ballot`.",
  },
  "quorum.promise": {
    sentBy: "seed → seed",
    description:
      "CASPaxos phase 1b: the acceptor's answer; `ok: false` carries the higher ballot it already promised.",
  },
  "quorum.accept": {
    sentBy: "seed → seed",
    description:
      "CASPaxos phase 2a: accept `value` at `ballot`. `nextBallot` piggybacks the proposer's next prepare (an acceptor that accepts also promises it); `base` lets a lagging acceptor check the transition from the committed value. Ballot 0 (counter 0) has no prepare: only the key's owner seed (`keyOwner` of `@p2p/quorum`) sends it, to write a new key in one round trip, and only after its own acceptor saved it; an acceptor ignores ballot 0 from any other seed.",
  },
  "quorum.accepted": {
    sentBy: "seed → seed",
    description:
      "CASPaxos phase 2b: accepted (with this acceptor's attestation when seeds sign), or refused (a higher promise, or the validator's `reason`).",
  },
  "quorum.learn": {
    sentBy: "seed → seed",
    description:
      "A proposer tells the other seeds about a committed value, with its commit certificate when seeds sign.",
  },
  "quorum.register-request": {
    sentBy: "peer → seed",
    description:
      "A peer asks a seed to register it (idempotent for the same incarnation); `proof` is the same request signed by the peer.",
  },
  "quorum.register-response": {
    sentBy: "seed → peer",
    description: "The answer to a register request: the committed record, or an error.",
  },
  "quorum.list-request": {
    sentBy: "peer or client → seed",
    description:
      "Asks for one page of the seed's local view: the records whose address sorts after `after`, at most `limit` of them; with `addresses`, those records only, in one page (WIRE.md §8.8).",
  },
  "quorum.list-response": {
    sentBy: "seed → peer or client",
    description:
      "One page of the seed's local view (tombstones included), sorted by address; `next` is the cursor of the next page, null on the last one.",
  },
  "quorum.dead-report": {
    sentBy: "peer → seed",
    description:
      "Reports a peer dead; `evidence` (the neighbours' signed votes, defined by @p2p/liveness) must satisfy every acceptor's validator.",
  },
  "quorum.leave-request": {
    sentBy: "peer → seed",
    description: "A peer leaves the network gracefully.",
  },
  "quorum.update-neighbours": {
    sentBy: "peer → seed",
    description: "A peer replaces its own neighbour list in its record.",
  },
  "quorum.get-request": {
    sentBy: "peer or client → seed",
    description: "A quorum (linearizable) read of one record.",
  },
  "quorum.operation-response": {
    sentBy: "seed → peer",
    description:
      "The answer to a dead report, leave, neighbour update or get: the committed record, or an error.",
  },
  "node.neighbour": {
    sentBy: "peer → peer",
    description:
      "A peer tells a peer it chose that they are now neighbours (the overlay is undirected).",
  },
  "node.neighbour-refused": {
    sentBy: "peer → peer",
    description: "The chosen peer refuses: it already has as many neighbours as its cap allows.",
  },
  "gossip.message": {
    sentBy: "peer → peer",
    description:
      "One gossip message, signed by its origin. `id` is derived from origin and payload; `hops` counts the links crossed and is not signed (each relay adds one).",
  },
  "gossip.ihave": {
    sentBy: "peer → peer",
    description:
      "Plumtree forwarding only: the sender has the messages with these ids (1–256, distinct). Sent to lazy neighbours instead of the full message (held up to `announceDelayMs`, 250 ms by default, so that the ids for one neighbour share a frame), and again in re-announcement rounds to neighbours not known to have them; a receiver that lacks an id waits for it, then grafts the sender.",
  },
  "gossip.graft": {
    sentBy: "peer → peer",
    description:
      "Plumtree forwarding only: the sender lacks message `id`, which the receiver announced. The receiver sends the message (if it still has it) and pushes later messages to the sender in full.",
  },
  "gossip.prune": {
    sentBy: "peer → peer",
    description:
      "Plumtree forwarding only: the sender got a full copy it already had from the receiver; the receiver sends it announcements (`gossip.ihave`) instead of full copies from now on.",
  },
  "liveness.ping": {
    sentBy: "peer → peer, seed → peer",
    description: "A probe; `sequence` and `sentAtMs` are echoed in the pong.",
  },
  "liveness.pong": {
    sentBy: "peer → peer or seed",
    description: "The answer to a ping, with the sender's incarnation and current neighbour list.",
  },
  "liveness.vote-request": {
    sentBy: "peer → peer",
    description:
      "Asks a neighbour of `suspect` to probe it and answer with a signed vote for round `round`.",
  },
  "liveness.vote": {
    sentBy: "peer → peer",
    description: "A voter's answer to a vote request: its signed vote.",
  },
  "liveness.seed-probe": {
    sentBy: "seed → seed, peer → seed",
    description:
      "One seed asks the others to probe `address` themselves (its neighbours cannot form a majority); each seed's registry accepts such a removal only on its own failed probe. From a peer it is a hint: a live neighbour of `address`, which has fewer than three live neighbours, began to suspect it, and each seed begins its probe then instead of when the dead report comes (ignored from anyone else, and for a member with more neighbours).",
  },
  "liveness.alive-vote": {
    sentBy: "peer → seed, seed → seed",
    description:
      "A signed alive vote sent by the voter straight to every seed (and relayed once between seeds), so the peer that asked for it cannot hide it.",
  },
  "node.admitted": {
    sentBy: "listener → dialler",
    description:
      "The listener admitted the link (its first sealed message); the dialler sends nothing before it (WIRE.md §8.3).",
  },
  "node.refused": {
    sentBy: "any node → any node",
    description:
      "Why a node refuses a link (sent sealed right before it closes the connection); `code` is stable, e.g. `ADDRESS_NOT_PROVEN` (WIRE.md §8.3).",
  },
  "node.member-removed": {
    sentBy: "seed → peer",
    description:
      "A seed tells a peer (the removed one, or a neighbour of it) that a member was removed.",
  },
};

/** One documented message: its zod schema, type, owner and generated JSON Schema. */
interface Message {
  type: string;
  packageName: string;
  source: string;
  sentBy: string;
  description: string;
  jsonSchema: JsonSchema;
}

/** The object schemas a (possibly nested) discriminated union is made of. */
function messageSchemas(schema: unknown): MessageSchema[] {
  const candidate = schema as { options?: unknown; shape?: unknown };
  if (Array.isArray(candidate.options)) return candidate.options.flatMap(messageSchemas);
  if (candidate.shape !== undefined) return [schema as MessageSchema];
  throw new Error("protocol-doc: a wire union member is neither a union nor an object schema");
}

/** Names shared schemas (`title`) and the byte strings JSON Schema cannot describe. */
const override: Override = ({ zodSchema, jsonSchema }) => {
  const shared = SHARED.find((entry) => entry.schema === zodSchema);
  if (shared) {
    jsonSchema.title = shared.name;
    jsonSchema.description ??= shared.description;
  }
  if (zodSchema._zod.def.type === "custom") {
    jsonSchema.title = "Bytes";
    jsonSchema.description ??= "A byte string, sent as a MessagePack bin value (WIRE.md §3).";
  }
};

const JSON_SCHEMA_PARAMS: JsonSchemaParams = {
  target: "draft-2020-12",
  // What a receiver accepts: optional and defaulted fields may be left out.
  io: "input",
  unrepresentable: "any",
  override,
};

/** Every message type of the wire union, in the order of OWNERS, with its JSON Schema. */
function collectMessages(): Message[] {
  const owners = new Map<MessageSchema, { packageName: string; source: string }>();
  for (const owner of OWNERS) {
    for (const schema of owner.schemas.flatMap(messageSchemas)) owners.set(schema, owner);
  }
  const messages: Message[] = [];
  const problems: string[] = [];
  for (const schema of messageSchemas(WireMessageSchema)) {
    const type = String(schema.shape.type.value);
    const owner = owners.get(schema);
    const jsonSchema = schema.toJSONSchema(JSON_SCHEMA_PARAMS) as JsonSchema;
    const described = DESCRIPTIONS[type];
    const description = jsonSchema.description ?? described?.description;
    if (!owner) problems.push(`${type}: no package in OWNERS lists it`);
    if (!description) problems.push(`${type}: no .describe()/.meta() and no entry in DESCRIPTIONS`);
    if (!owner || !description) continue;
    messages.push({
      type,
      ...owner,
      sentBy: described?.sentBy ?? "",
      description,
      jsonSchema: { $schema: jsonSchema.$schema, title: type, description, ...jsonSchema },
    });
  }
  const known = new Set(messages.map((message) => message.type));
  for (const type of Object.keys(DESCRIPTIONS)) {
    if (!known.has(type)) problems.push(`${type}: in DESCRIPTIONS but not a wire message`);
  }
  if (problems.length > 0) {
    throw new Error(`protocol-doc (scripts/protocol-doc.ts):\n  ${problems.join("\n  ")}`);
  }
  const order = OWNERS.map((owner) => owner.source);
  return messages.sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source));
}

/** A Markdown anchor for a heading, as GitHub makes it. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");
}

/** Text safe inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The non-null alternative of `X | null`, and whether null is allowed. */
function unwrapNullable(schema: JsonSchema): { schema: JsonSchema; isNullable: boolean } {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (!alternatives) return { schema, isNullable: false };
  const rest = alternatives.filter((alternative) => alternative.type !== "null");
  if (rest.length === 1 && rest.length < alternatives.length) {
    return { schema: rest[0] as JsonSchema, isNullable: true };
  }
  return { schema, isNullable: false };
}

/** The type column of a field: a shared type's link, a primitive, or `T[]`. */
function typeName(schema: JsonSchema): string {
  if (schema.title === "Bytes") return "bytes";
  if (schema.title) return `[${schema.title}](#${anchor(schema.title)})`;
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return "string (enum)";
  if (schema.type === "array" && schema.items) {
    const { schema: item, isNullable } = unwrapNullable(schema.items);
    return isNullable ? `(${typeName(item)} \\| null)[]` : `${typeName(item)}[]`;
  }
  if (schema.anyOf || schema.oneOf) {
    return (schema.anyOf ?? schema.oneOf ?? []).map(typeName).join(" \\| ");
  }
  return schema.type ?? "any";
}

/** The constraints column of a field (limits, patterns, enum values, defaults). */
function constraints(schema: JsonSchema, isNullable: boolean): string {
  const parts: string[] = [];
  const number = (keyword: string) => schema[keyword] as number | undefined;
  if (schema.enum) parts.push(`one of ${schema.enum.map((v) => `\`${String(v)}\``).join(", ")}`);
  if (number("minLength") !== undefined) parts.push(`length ≥ ${number("minLength")}`);
  if (number("maxLength") !== undefined) parts.push(`length ≤ ${number("maxLength")}`);
  if (typeof schema.pattern === "string") parts.push(`pattern \`${schema.pattern}\``);
  const minimum = number("minimum");
  const maximum = number("maximum");
  if (minimum !== undefined && minimum !== Number.MIN_SAFE_INTEGER) parts.push(`≥ ${minimum}`);
  if (number("exclusiveMinimum") !== undefined) parts.push(`> ${number("exclusiveMinimum")}`);
  if (maximum !== undefined && maximum !== Number.MAX_SAFE_INTEGER) parts.push(`≤ ${maximum}`);
  if (number("exclusiveMaximum") !== undefined) parts.push(`< ${number("exclusiveMaximum")}`);
  if (number("minItems") !== undefined) parts.push(`at least ${number("minItems")} items`);
  if (number("maxItems") !== undefined) parts.push(`at most ${number("maxItems")} items`);
  if (schema.type === "array" && schema.items && !schema.items.title) {
    const item = constraints(unwrapNullable(schema.items).schema, false);
    if (item) parts.push(`each: ${item}`);
  }
  if (isNullable) parts.push("may be null");
  if (schema.default !== undefined) parts.push(`default \`${JSON.stringify(schema.default)}\``);
  return parts.join("; ");
}

/** One row per field of an object schema; nested anonymous objects are flattened (`a.b`). */
function fieldRows(schema: JsonSchema, prefix = ""): string[][] {
  const rows: string[][] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const { schema: field, isNullable } = unwrapNullable(property);
    const path = `${prefix}${name}`;
    const description = property.description ?? field.description ?? "";
    const isShared = Boolean(field.title);
    rows.push([
      `\`${path}\``,
      isNullable ? `${typeName(field)} \\| null` : typeName(field),
      required.has(name) ? "yes" : "no",
      cell(constraints(field, isNullable)),
      isShared ? "" : cell(description),
    ]);
    if (!isShared && field.type === "object" && field.properties) {
      rows.push(...fieldRows(field, `${path}.`));
    }
    const item = field.type === "array" && field.items ? unwrapNullable(field.items).schema : null;
    if (item && !item.title && item.type === "object" && item.properties) {
      rows.push(...fieldRows(item, `${path}[].`));
    }
  }
  return rows;
}

/** A Markdown field table (the description column only when some field has one). */
function fieldTable(schema: JsonSchema): string {
  const rows = fieldRows(schema);
  if (rows.length === 0) return "No fields.\n";
  const hasDescriptions = rows.some((row) => row[4] !== "");
  const header = [
    "field",
    "type",
    "required",
    "constraints",
    ...(hasDescriptions ? ["meaning"] : []),
  ];
  const lines = [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${(hasDescriptions ? row : row.slice(0, 4)).join(" | ")} |`),
  ];
  return `${lines.join("\n")}\n`;
}

/** The JSON Schema of each shared type, as it appears inside the messages. */
function sharedSchemas(messages: Message[]): Map<string, JsonSchema> {
  const found = new Map<string, JsonSchema>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const schema = node as JsonSchema;
    if (schema.title && !found.has(schema.title)) found.set(schema.title, schema);
    Object.values(schema).forEach(visit);
  };
  for (const message of messages) visit(message.jsonSchema.properties);
  return found;
}

/** The whole of docs/PROTOCOL.md. */
function renderMarkdown(messages: Message[]): string {
  const out: string[] = [];
  out.push(
    "# p2p protocol messages",
    "",
    "<!-- Generated by scripts/protocol-doc.ts from the zod schemas; do not edit. Run `pnpm protocol:doc`. -->",
    "",
    "Every message on a p2p connection is one MessagePack map with a string `type`, validated against",
    "the zod schemas below (`WireMessageSchema` in `@p2p/node`, the union of every protocol's messages).",
    "Frames, MessagePack encoding rules and the link handshake (Noise XX with Ed25519 identities) are",
    "binary formats without a zod schema; they are specified in [WIRE.md](WIRE.md). A receiver ignores",
    "fields it does not know; a missing required field or a violated constraint is `MESSAGE_INVALID`.",
    "",
    `Machine-readable: one JSON Schema (draft 2020-12) per message in [protocol/](protocol/), and`,
    `[protocol/${UNION_FILE}](protocol/${UNION_FILE}) for any message. Integers are safe integers`,
    "(at most 2⁵³ − 1); `bytes` is a MessagePack bin value, which JSON Schema cannot express.",
    "",
    "## Contents",
    "",
  );
  let currentPackage = "";
  for (const message of messages) {
    if (message.packageName !== currentPackage) {
      currentPackage = message.packageName;
      out.push(`- ${currentPackage}`);
    }
    out.push(`  - [\`${message.type}\`](#${anchor(message.type)}) — ${message.sentBy}`);
  }
  out.push("- [Shared types](#shared-types)", "");
  currentPackage = "";
  for (const message of messages) {
    if (message.packageName !== currentPackage) {
      currentPackage = message.packageName;
      out.push(`## ${currentPackage}`, "");
    }
    out.push(
      `### ${message.type}`,
      "",
      `- type: \`${message.type}\``,
      `- defined in: \`${message.packageName}\` ([${message.source}](../${message.source}))`,
      `- sent: ${message.sentBy}`,
      `- JSON Schema: [protocol/${message.type}.schema.json](protocol/${message.type}.schema.json)`,
      "",
      message.description,
      "",
      fieldTable(message.jsonSchema),
    );
  }
  out.push("## Shared types", "");
  const shared = sharedSchemas(messages);
  for (const { name, description } of SHARED) {
    const schema = shared.get(name);
    if (!schema) continue;
    out.push(`### ${name}`, "", description, "");
    if (schema.type === "object") out.push(fieldTable(schema));
    else {
      const { title: _title, ...untitled } = schema;
      out.push(`Type: ${typeName(untitled)}.`, "");
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

/** Every generated file: path relative to the root, and its content. */
function generate(): Map<string, string> {
  const messages = collectMessages();
  const files = new Map<string, string>();
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  for (const message of messages) {
    files.set(`${SCHEMA_DIR}/${message.type}.schema.json`, json(message.jsonSchema));
  }
  const union = WireMessageSchema.toJSONSchema(JSON_SCHEMA_PARAMS) as JsonSchema;
  files.set(
    `${SCHEMA_DIR}/${UNION_FILE}`,
    json({
      $schema: union.$schema,
      title: "p2p wire message",
      description: "Any message on a p2p connection.",
      ...union,
    }),
  );
  files.set(MARKDOWN_PATH, renderMarkdown(messages));
  return files;
}

/** The content of a file, or undefined when it does not exist. */
async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(join(ROOT, path), "utf8");
  } catch {
    return undefined;
  }
}

/** Schema files in docs/protocol that the schemas no longer produce. */
async function staleSchemaFiles(files: Map<string, string>): Promise<string[]> {
  const existing = await readdir(join(ROOT, SCHEMA_DIR)).catch(() => [] as string[]);
  return existing
    .filter((name) => name.endsWith(".schema.json"))
    .map((name) => `${SCHEMA_DIR}/${name}`)
    .filter((path) => !files.has(path));
}

async function main(): Promise<void> {
  const isCheck = process.argv.includes("--check");
  const files = generate();
  const stale = await staleSchemaFiles(files);
  if (isCheck) {
    const problems: string[] = [];
    for (const [path, content] of files) {
      const current = await readIfExists(path);
      if (current === undefined) problems.push(`${path} is missing; run pnpm protocol:doc`);
      else if (current !== content) problems.push(`${path} is out of date; run pnpm protocol:doc`);
    }
    for (const path of stale)
      problems.push(`${path} is no longer generated; run pnpm protocol:doc`);
    if (problems.length > 0) {
      for (const problem of problems) console.error(problem);
      process.exitCode = 1;
      return;
    }
    console.log(`protocol docs up to date (${files.size} files)`);
    return;
  }
  await mkdir(join(ROOT, SCHEMA_DIR), { recursive: true });
  for (const path of stale) await rm(join(ROOT, path));
  let written = 0;
  for (const [path, content] of files) {
    if ((await readIfExists(path)) === content) continue;
    await writeFile(join(ROOT, path), content);
    written += 1;
  }
  console.log(`protocol docs: ${written} of ${files.size} files written, ${stale.length} removed`);
}

await main();
