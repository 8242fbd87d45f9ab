/**
 * Accounts and recovery as nssm names them: ObjectName's LocalSystem, NT AUTHORITY\\LocalService, .\\user …
 * and FailureActions' `restart/5s,none` (beyond NSSM). Pure.
 * @module
 */
import { type Account, type ServiceSpec } from "../service/spec.ts";
import { recoveryActions } from "../service/settings.ts";
import { equalsIgnoringCase, ParameterError } from "./nssm_codecs.ts";
// ---------------------------------------------------------------------------------------------------------
// Accounts, as nssm names them.

export const LOCAL_SYSTEM = "LocalSystem";

/**
 * The account nssm means by `name` for the service `service`: LocalSystem (also System, NT
 * Authority\System), LocalService and NetworkService (also with a space, with NT Authority\), the virtual
 * account NT Service\<service>, else a user, who needs a password.
 */
export function nssmAccount(name: string, service: string): Account {
  const plain = name.toLowerCase().replace(/^nt authority\\/, "").replaceAll(" ", "");
  if (plain === "localsystem" || plain === "system") return { kind: "local_system" };
  if (plain === "localservice") return { kind: "local_service" };
  if (plain === "networkservice") return { kind: "network_service" };
  if (equalsIgnoringCase(name, `NT Service\\${service}`)) return { kind: "virtual" };
  return { kind: "user", name };
}

/** The account as nssm prints it (QueryServiceConfigW's lpServiceStartName as nssm sets it). */
export function nssmAccountName(account: Account, service: string): string {
  switch (account.kind) {
    case "local_system":
      return LOCAL_SYSTEM;
    case "local_service":
      return "NT Authority\\LocalService";
    case "network_service":
      return "NT Authority\\NetworkService";
    case "virtual":
      return `NT Service\\${service}`;
    case "user":
      // The SCM keeps a local account as .\name.
      return /[\\@]/.test(account.name) ? account.name : `.\\${account.name}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Recovery (the service manager's failure actions), beyond NSSM.

export const DEFAULT_FAILURE_RESET_SECONDS = 86_400;

export function formatDelay(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function parseFailureActions(text: string): NonNullable<ServiceSpec["recovery"]>["actions"] {
  if (text.trim() === "") return [];
  return text.split(",").map((part) => {
    const [action, delay, extra] = part.trim().split("/");
    const kind = recoveryActions.find((k) => equalsIgnoringCase(k, action));
    const match = delay === undefined ? ["", "0", "s"] : /^(\d+)(ms|s|m|h|d)?$/.exec(delay);
    if (!kind || !match || extra !== undefined) {
      throw new ParameterError(
        `FailureActions: '${part.trim()}' is not ACTION[/DELAY] with ACTION restart, reboot, run_command or none ` +
          `(e.g. restart/5s,restart/30s,none)`,
      );
    }
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? "s"]!;
    return { action: kind, delayMs: Number(match[1]) * unit };
  });
}
