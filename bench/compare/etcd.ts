// The etcd anchor: Debian's etcd-server 3.4, 3 members on 127.0.0.1 (WAL fsync on, as
// shipped), and a sequential put loop against the leader over its JSON gateway
// (`POST /v3/kv/put`, base64 keys and values) on one keep-alive HTTP connection.
import { Agent, request } from "node:http";
import { join } from "node:path";
import { type Child, freePorts, killChild, sleep, spawnChild } from "./processes.js";

const START_TIMEOUT_MS = 30_000;

/** POSTs `body` as JSON to `http://<address><path>` and resolves with the parsed answer. */
function post(agent: Agent, address: string, path: string, body: unknown): Promise<unknown> {
  const [host, port] = address.split(":") as [string, string];
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host,
        port: Number(port),
        path,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) },
        timeout: 10_000,
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => {
          text += chunk;
        });
        response.on("end", () => {
          if (response.statusCode !== 200) {
            reject(new Error(`etcd ${path}: HTTP ${response.statusCode}: ${text.slice(0, 200)}`));
          } else {
            resolve(JSON.parse(text));
          }
        });
      },
    );
    call.on("timeout", () => call.destroy(new Error(`etcd ${path}: no answer in 10 s`)));
    call.on("error", reject);
    call.end(data);
  });
}

interface Status {
  readonly header: { readonly member_id: string };
  readonly leader: string;
}

/** A 3-member etcd cluster of real processes and a keep-alive client of its leader. */
export class EtcdCluster {
  readonly members: Child[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private clientAddresses: string[] = [];
  private leader = "";

  constructor(private readonly directory: string) {}

  /** Starts the members and waits until all of them agree on a leader. */
  async start(): Promise<void> {
    const ports = await freePorts(6);
    this.clientAddresses = ports.slice(0, 3).map((port) => `127.0.0.1:${port}`);
    const peerUrls = ports.slice(3).map((port) => `http://127.0.0.1:${port}`);
    const cluster = peerUrls.map((url, index) => `e${index}=${url}`).join(",");
    for (const [index, client] of this.clientAddresses.entries()) {
      this.members.push(
        spawnChild(`etcd e${index}`, "etcd", [
          `--name=e${index}`,
          `--data-dir=${join(this.directory, `e${index}`)}`,
          `--listen-client-urls=http://${client}`,
          `--advertise-client-urls=http://${client}`,
          `--listen-peer-urls=${peerUrls[index]}`,
          `--initial-advertise-peer-urls=${peerUrls[index]}`,
          `--initial-cluster=${cluster}`,
          "--initial-cluster-state=new",
          "--initial-cluster-token=bench-compare",
        ]),
      );
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    let lastError = "";
    while (Date.now() < deadline) {
      try {
        const statuses = (await Promise.all(
          this.clientAddresses.map((address) =>
            post(this.agent, address, "/v3/maintenance/status", {}),
          ),
        )) as Status[];
        const leaders = new Set(statuses.map((status) => status.leader));
        const [leader] = leaders;
        const index = statuses.findIndex((status) => status.header.member_id === leader);
        if (leaders.size === 1 && leader !== "0" && index >= 0) {
          this.leader = this.clientAddresses[index] as string;
          return;
        }
        lastError = `leaders ${[...leaders].join(", ")}`;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      const exited = this.members.find((member) => member.hasExited());
      if (exited !== undefined) throw new Error(`${exited.name} exited:\n${exited.tail()}`);
      await sleep(200);
    }
    throw new Error(`etcd: no agreed leader within ${START_TIMEOUT_MS / 1000} s (${lastError})`);
  }

  /** One put of a new key via the leader; resolves with its latency in ms. */
  async put(key: string, value: string): Promise<number> {
    const started = performance.now();
    const answer = (await post(this.agent, this.leader, "/v3/kv/put", {
      key: Buffer.from(key).toString("base64"),
      value: Buffer.from(value).toString("base64"),
    })) as { header?: { revision?: string } };
    const ms = performance.now() - started;
    if (answer.header?.revision === undefined) {
      throw new Error(`etcd put ${key}: unexpected answer ${JSON.stringify(answer)}`);
    }
    return ms;
  }

  /** Kills every member (SIGKILL by PID) and closes the client. */
  stop(): void {
    this.agent.destroy();
    for (const member of this.members) killChild(member);
  }
}
