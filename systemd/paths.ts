/**
 * Where systemd units live and what they are called: the system's `/etc/systemd/system`, a user's
 * `~/.config/systemd/user` (systemd.unit(5), "Unit File Load Path"), and the user's own servitor store.
 * @module
 */
import os from "node:os";
import path from "path";
import { ServiceManagerError } from "../service/manager.ts";

/** Where the system manager reads units an administrator wrote. */
export const SYSTEM_UNIT_DIRECTORY = "/etc/systemd/system";

/** The environment variables these paths depend on (Deno.env.toObject() unless a test says). */
export type PathEnvironment = Record<string, string | undefined>;

/** Longest unit name systemd takes (UNIT_NAME_MAX), suffix included. */
const UNIT_NAME_MAX = 255;
const SERVICE_SUFFIX = ".service";

/**
 * The unit of a service, `<name>.service`. A service name is a systemd unit name's prefix, so it may hold
 * letters, digits and `: _ . -` only (no `@`, which would make it a template); anything else is refused
 * rather than escaped, so that `systemctl status <name>` keeps working for people.
 *
 * @example
 * ```ts
 * unitName("web-api"); // web-api.service
 * ```
 */
export function unitName(name: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9:_.-]*$/.test(name) || name.length + SERVICE_SUFFIX.length > UNIT_NAME_MAX) {
    throw new ServiceManagerError(
      `"${name}" can't be a systemd service name: use letters, digits and : _ . - (at most ${
        UNIT_NAME_MAX - SERVICE_SUFFIX.length
      } characters, not starting with a punctuation mark)`,
      "refused",
    );
  }
  return name + SERVICE_SUFFIX;
}

/** The service name of a `<name>.service` unit. */
export function serviceNameOf(unit: string): string {
  return unit.endsWith(SERVICE_SUFFIX) ? unit.slice(0, -SERVICE_SUFFIX.length) : unit;
}

/** `$XDG_CONFIG_HOME`, or `~/.config` (the XDG Base Directory default). */
function configHome(env: PathEnvironment): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The specification says a relative XDG_CONFIG_HOME is invalid and to be ignored.
  if (xdg && path.isAbsolute(xdg)) return xdg;
  return path.join(env.HOME || os.homedir(), ".config");
}

/** The folder servitor writes units into: the system's, or (`user`) the user manager's. */
export function unitDirectory(user = false, env: PathEnvironment = Deno.env.toObject()): string {
  return user ? path.join(configHome(env), "systemd", "user") : SYSTEM_UNIT_DIRECTORY;
}

/**
 * The unit file of a service.
 *
 * @example
 * ```ts
 * unitPath("web-api");                                  // /etc/systemd/system/web-api.service
 * unitPath("web-api", true, { HOME: "/home/ann" });     // /home/ann/.config/systemd/user/web-api.service
 * ```
 */
export function unitPath(name: string, user = false, env: PathEnvironment = Deno.env.toObject()): string {
  return path.join(unitDirectory(user, env), unitName(name));
}

/**
 * The store of a `--user` service (service/store.ts's root): `$XDG_CONFIG_HOME/servitor`, or
 * `~/.config/servitor`. The machine-wide store stays `/etc/servitor`.
 *
 * @example
 * ```ts
 * userConfigRoot({ HOME: "/home/ann" }); // /home/ann/.config/servitor
 * ```
 */
export function userConfigRoot(env: PathEnvironment = Deno.env.toObject()): string {
  return path.join(configHome(env), "servitor");
}

/** The target `WantedBy=` names for a service started at boot (or, for a user, at their first login). */
export function bootTarget(user: boolean): string {
  return user ? "default.target" : "multi-user.target";
}
