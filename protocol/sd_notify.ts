/**
 * sd_notify(3): what a service under systemd says about itself when its unit is `Type=notify` (systemd then
 * sets NOTIFY_SOCKET): READY=1 once it runs, STOPPING=1 when it winds down, EXTEND_TIMEOUT_USEC= while a
 * start or stop takes longer than the unit's timeout, STATUS= for `systemctl status`.
 *
 * The datagram goes out through libc (ffi/libc.ts) when the program may call it (--allow-ffi): sent by this
 * very process, it is taken under the default NotifyAccess=main. Without --allow-ffi, `systemd-notify
 * --pid=<this process>` (--allow-run) says the same; systemd takes that from root, and from another user
 * only with NotifyAccess=all (both seen under systemd 257).
 * @module
 */
import { libcAvailable, sendUnixDatagram } from "../ffi/libc.ts";
import type { StatusReport } from "./session.ts";

/** Sends sd_notify fields (`KEY=value`), in order. Never throws: a failure is handed to `onError`. */
export type Notify = (fields: string[]) => void;

/**
 * The notifier for NOTIFY_SOCKET, or undefined when it is not set (not a `Type=notify` unit). Throws an
 * Error saying what to grant when the program may neither call libc nor run systemd-notify.
 */
export function sdNotifier(
  onError: (error: unknown) => void,
  socket: string | undefined = Deno.env.get("NOTIFY_SOCKET"),
): Notify | undefined {
  if (!socket) return undefined;
  if (libcAvailable()) {
    return (fields) => {
      try {
        sendUnixDatagram(socket, new TextEncoder().encode(fields.join("\n")));
      } catch (error) {
        onError(error);
      }
    };
  }
  if (Deno.permissions.querySync({ name: "run", command: "systemd-notify" }).state !== "granted") {
    throw new Error(
      "NOTIFY_SOCKET is set (a Type=notify unit), but this program may not tell systemd it is ready: " +
        "run it with --allow-ffi (or --allow-run, for systemd-notify with NotifyAccess=all)",
    );
  }
  // One systemd-notify at a time, so that systemd reads the messages in the order they were sent.
  let queue = Promise.resolve();
  return (fields) => {
    queue = queue.then(async () => {
      const { success, stderr } = await new Deno.Command("systemd-notify", {
        args: [`--pid=${Deno.pid}`, ...fields],
        env: { NOTIFY_SOCKET: socket },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
      if (!success) throw new Error(`systemd-notify failed: ${new TextDecoder().decode(stderr).trim()}`);
    }).catch(onError);
  };
}

/**
 * The fields for a status report. `changed` is whether the state differs from the last one reported: a
 * pending state reported again only extends the timeout, which systemd counts from each message. `ready`
 * is whether READY=1 was sent already: it goes once, with the first state in which the service has started
 * — RUNNING, or PAUSED for a host whose program exited at once and waits to be restarted (throttled).
 */
export function notifyFields(status: StatusReport, changed: boolean, ready: boolean): string[] {
  const fields: string[] = [];
  if (!ready && (status.state === "running" || status.state === "paused")) fields.push("READY=1");
  if (changed) {
    if (status.state === "stop_pending") fields.push("STOPPING=1");
    fields.push(`STATUS=${statusText(status)}`);
  }
  if (status.state.endsWith("_pending") && status.waitHintMs) {
    fields.push(`EXTEND_TIMEOUT_USEC=${Math.round(status.waitHintMs * 1000)}`);
  }
  return fields;
}

function statusText(status: StatusReport): string {
  const state = status.state.replace("_", " ");
  // One line: a newline would start another field.
  return (status.reason ? `${state}: ${status.reason}` : state).replaceAll("\n", " ");
}
