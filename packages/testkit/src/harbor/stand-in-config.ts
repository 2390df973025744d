import type { StandInSeed, StandInSettings } from "./harbor-stand-in-store.js";

/** What the stand-in process (`stand-in-main.js <config.json>`) reads: every path and secret it needs, none in argv. */
export interface StandInProcessConfig {
  readonly port: number;
  /** PEM files of the HTTPS certificate and key. */
  readonly tls: { readonly cert: string; readonly key: string };
  /** The PEM RSA key tokens are signed with; its certificate is in the registry's rootcertbundle. */
  readonly signingKey: string;
  readonly controlSecret: string;
  readonly settings: StandInSettings;
  readonly seed: StandInSeed;
  /** A digest of the compiled stand-in: a process running older code is restarted, not reused. */
  readonly build?: string | undefined;
  /** The registry artifacts are read from, and its CA file. */
  readonly registry?: { readonly url: string; readonly caFile?: string | undefined } | undefined;
}
