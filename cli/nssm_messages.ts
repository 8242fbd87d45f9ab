/**
 * NSSM 2.24's own words for the failures scripts read (Puppet's `nssm get X Name` as an existence test,
 * PowerShell matching "does not exist", Ansible comparing text): as nssm64.exe 2.24-101 prints them, asked
 * under Wine in tests/windows/nssm_messages_facts.md. Each is the text of one or more lines, without the
 * last line end; where NSSM printed FormatMessage's text, its own line end leaves a blank line after it.
 * @module
 */
import {
  ERROR_ACCESS_DENIED,
  ERROR_INVALID_NAME,
  ERROR_SERVICE_DOES_NOT_EXIST,
  ERROR_SERVICE_EXISTS,
} from "../ffi/constants.ts";

/**
 * What Windows' FormatMessage says for the system errors NSSM reports, in English: printed off Windows,
 * where the message is about the service, not about the SCM. On Windows FormatMessage itself is asked
 * (Wine's words are shorter: "Service does not exist.").
 */
const windowsText: Record<number, string> = {
  [ERROR_ACCESS_DENIED]: "Access is denied.",
  [ERROR_INVALID_NAME]: "The filename, directory name, or volume label syntax is incorrect.",
  [ERROR_SERVICE_DOES_NOT_EXIST]: "The specified service does not exist as an installed service.",
  [ERROR_SERVICE_EXISTS]: "The specified service already exists.",
};

/** FormatMessage's text for `code`: the system's own on Windows, Windows' English elsewhere. */
export async function systemText(code: number, windows: boolean): Promise<string> {
  if (!windows) return windowsText[code] ?? `error ${code}`;
  const { systemMessage } = await import("../ffi/error.ts");
  return systemMessage(code) || `error ${code}`;
}

/**
 * A service that can't be opened (nssm's open_service): there is none of that name, or (`invalidName`)
 * no service can have it.
 */
export async function cantOpenService(windows: boolean, invalidName = false): Promise<string> {
  const reason = await systemText(invalidName ? ERROR_INVALID_NAME : ERROR_SERVICE_DOES_NOT_EXIST, windows);
  return `Can't open service!\nOpenService(): ${reason}\n`;
}

/**
 * `processes` of a service that can't be opened: NSSM looks for a display name with an SCM handle that may
 * not enumerate, and reports that failure instead.
 */
export async function cantEnumerateServices(windows: boolean): Promise<string> {
  return `Can't open service!\nEnumServicesStatus(): ${await systemText(ERROR_ACCESS_DENIED, windows)}\n`;
}

/** install of a name that is taken. */
export async function cantCreateService(windows: boolean): Promise<string> {
  return `Error creating service!\nCreateService(): ${await systemText(ERROR_SERVICE_EXISTS, windows)}\n`;
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
