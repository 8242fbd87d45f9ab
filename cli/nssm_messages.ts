/**
 * NSSM 2.24's own words for the failures scripts read (Puppet's `nssm get X Name` as an existence test,
 * PowerShell matching "does not exist", Ansible comparing text): as nssm64.exe 2.24-101 prints them, asked
 * under Wine in tests/windows/nssm_messages_facts.md. Each is the text of one or more lines, without the
 * last line end; where NSSM printed FormatMessage's text, its own line end leaves a blank line after it.
 * @module
 */
import { type ServiceManager, systemSentence } from "../service/manager.ts";

/**
 * A service that can't be opened (nssm's open_service): there is none of that name, or (`invalidName`)
 * no service can have it.
 */
export function cantOpenService(manager: ServiceManager, invalidName = false): string {
  const reason = systemSentence(manager, invalidName ? "invalid_name" : "no_such_service");
  return `Can't open service!\nOpenService(): ${reason}\n`;
}

/**
 * `processes` of a service that can't be opened: NSSM looks for a display name with an SCM handle that may
 * not enumerate, and reports that failure instead.
 */
export function cantEnumerateServices(manager: ServiceManager): string {
  return `Can't open service!\nEnumServicesStatus(): ${systemSentence(manager, "access_denied")}\n`;
}

/** install of a name that is taken. */
export function cantCreateService(manager: ServiceManager): string {
  return `Error creating service!\nCreateService(): ${systemSentence(manager, "exists")}\n`;
}

/** get/set/reset of a parameter there is none of: NSSM lists its parameters, one a line. */
export function invalidParameter(given: string, valid: readonly string[]): string {
  return [`Invalid parameter "${given}".  Valid parameters are:`, ...valid].join("\n");
}

/** get/set/reset of AppExit or AppEvents without the exit code or event. */
export function subparameterRequired(parameter: string): string {
  return `Parameter "${parameter}" requires a subparameter!`;
}

/** remove <service> <anything but confirm>. */
export const removeNotConfirmed =
  "To remove a service without confirmation: nssm remove <servicename> confirm";

/** The last line of a failed set or reset, after the reason. */
export function settingFailed(parameter: string, service: string): string {
  return `Error setting parameter "${parameter}" for service "${service}"!`;
}

/** The last line of a failed get, after the reason. */
export function gettingFailed(parameter: string, service: string): string {
  return `Error getting parameter "${parameter}" for service "${service}"!`;
}
