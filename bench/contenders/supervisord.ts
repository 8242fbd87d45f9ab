/**
 * supervisor: one supervisord (Python) for every program, writing their output into its own log files.
 * Stop and start go through its XML-RPC interface on a unix socket — what supervisorctl sends, without
 * supervisorctl's own start-up; stopwaitsecs=3 sends SIGKILL after 3 s.
 * @module
 */
import path from "path";
import { killTree, running, waitUntil } from "../proc.ts";
import { type Contender, daemon, shellQuote, STOP_TIMEOUT_MS } from "./contender.ts";

/** One XML-RPC call over supervisord's unix socket (HTTP/1.0: the server closes when it has answered). */
export async function supervisorCall(socket: string, method: string, params: (string | boolean)[]) {
  const value = (p: string | boolean) =>
    typeof p === "boolean" ? `<boolean>${p ? 1 : 0}</boolean>` : `<string>${
      p.replaceAll("&", "&amp;")
        .replaceAll("<", "&lt;")
    }</string>`;
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${
    params.map((p) => `<param><value>${value(p)}</value></param>`).join("")
  }</params></methodCall>`;
  const bytes = new TextEncoder().encode(body);
  const connection = await Deno.connect({ transport: "unix", path: socket });
  try {
    const request =
      `POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Length: ${bytes.length}\r\n\r\n`;
    await connection.write(new TextEncoder().encode(request));
    await connection.write(bytes);
    let answer = "";
    const buffer = new Uint8Array(4096);
    for (;;) {
      const got = await connection.read(buffer);
      if (got === null) break;
      answer += new TextDecoder().decode(buffer.subarray(0, got));
    }
    if (answer.includes("<fault>")) throw new Error(`supervisord ${method}: ${answer.split("\r\n\r\n")[1]}`);
    return answer;
  } finally {
    try {
      connection.close();
    } catch { /* closed by the server */ }
  }
}

export const supervisord: Contender = {
  id: "supervisord",
  label: "supervisor (supervisord)",
  settings: "supervisord -n; autorestart=true, stopsignal=TERM, stopwaitsecs=3, stdout_logfile with " +
    "maxbytes=SIZE (0: none), backups=1000, redirect_stderr; stop/start: XML-RPC stopProcess/startProcess",
  packages: ["supervisor"],
  async start(dir, program, services) {
    const socket = path.join(dir, "supervisor.sock");
    const logFile = (name: string) => path.join(dir, name, "out.log");
    const sections = [
      `[supervisord]\nnodaemon=true\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\n` +
      `childlogdir=${dir}\n`,
      `[unix_http_server]\nfile=${socket}\n`,
      `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`,
      `[supervisorctl]\nserverurl=unix://${socket}\n`,
    ];
    for (const service of services) {
      await Deno.mkdir(path.join(dir, service.name), { recursive: true });
      sections.push(
        `[program:${service.name}]\ncommand=${[program, ...service.args].map(shellQuote).join(" ")}\n` +
          `autorestart=true\nstopsignal=TERM\nstopwaitsecs=${STOP_TIMEOUT_MS / 1000}\n` +
          `stdout_logfile=${logFile(service.name)}\nstdout_logfile_maxbytes=${service.rotateBytes ?? 0}\n` +
          `stdout_logfile_backups=1000\nredirect_stderr=true\n`,
      );
    }
    const config = path.join(dir, "supervisord.conf");
    await Deno.writeTextFile(config, sections.join("\n"));
    const child = await daemon("supervisord", ["-n", "-c", config], path.join(dir, "supervisord.out"), dir);
    await waitUntil(
      () => Deno.stat(socket).then(() => true, () => false),
      "supervisord's socket",
      30_000,
      10,
    );
    return {
      supervisors: () => running(child.pid) ? [child.pid] : [],
      async stop(name) {
        await supervisorCall(socket, "supervisor.stopProcess", [name, false]);
      },
      async start(name) {
        await supervisorCall(socket, "supervisor.startProcess", [name, false]);
      },
      async outputFiles(name) {
        const file = logFile(name);
        const backups: number[] = [];
        for await (const entry of Deno.readDir(path.dirname(file))) {
          const match = /^out\.log\.(\d+)$/.exec(entry.name);
          if (match) backups.push(Number(match[1]));
        }
        // out.log.1 is the newest backup.
        return [...backups.sort((a, b) => b - a).map((n) => `${file}.${n}`), file];
      },
      prefixBytes: () => 0,
      async close() {
        await killTree(child.pid);
        await child.status;
      },
    };
  },
};
