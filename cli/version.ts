/** servitor's version: printed by --version, given to hooks as NSSM_VERSION. */
export const VERSION = "0.1.0";
