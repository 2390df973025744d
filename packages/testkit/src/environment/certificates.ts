import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Effect } from "effect";
import type { TestEnvironmentError } from "./errors.js";
import type { Tools } from "./install.js";
import type { EnvironmentLayout } from "./paths.js";
import { runCommand } from "./run-command.js";

/** The test CA and the registries' server certificate. */
export interface CertificatesState {
  /** The test CA certificate (PEM): what clients trust. */
  readonly caFile: string;
  /** A `certs.d`-style directory holding `ca.crt`: skopeo's `--dest-cert-dir`. */
  readonly certDir: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

/** The names the server certificate is valid for. */
export const SERVER_CERTIFICATE_NAMES = "DNS:localhost,IP:127.0.0.1";

const STEP = "certificates";

const openssl = (tools: Tools, args: ReadonlyArray<string>) => runCommand(STEP, tools.openssl, args);

const generate = (tools: Tools, layout: EnvironmentLayout) =>
  Effect.gen(function* () {
    rmSync(layout.certsDir, { recursive: true, force: true });
    mkdirSync(layout.certDir, { recursive: true, mode: 0o700 });
    const csr = join(layout.certsDir, "registry.csr");
    const extensions = join(layout.certsDir, "registry.ext");
    yield* openssl(tools, [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650", "-subj", "/CN=skopush test CA",
      "-keyout", layout.caKey, "-out", layout.caFile,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    yield* openssl(tools, ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", layout.serverKey, "-out", csr]);
    writeFileSync(
      extensions,
      `subjectAltName=${SERVER_CERTIFICATE_NAMES}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
    );
    yield* openssl(tools, [
      "x509", "-req", "-in", csr, "-CA", layout.caFile, "-CAkey", layout.caKey, "-CAcreateserial", "-days", "825", "-sha256",
      "-extfile", extensions, "-out", layout.serverCert,
    ]);
    for (const key of [layout.caKey, layout.serverKey]) chmodSync(key, 0o600);
    rmSync(csr);
    rmSync(extensions);
    copyFileSync(layout.caFile, join(layout.certDir, "ca.crt"));
  });

/** True when the existing server certificate chains to the CA and stays valid for another day. */
const usable = (tools: Tools, layout: EnvironmentLayout) =>
  [layout.caFile, layout.caKey, layout.serverCert, layout.serverKey, join(layout.certDir, "ca.crt")].every((file) => existsSync(file))
    ? openssl(tools, ["verify", "-CAfile", layout.caFile, layout.serverCert]).pipe(
        Effect.andThen(openssl(tools, ["x509", "-checkend", "86400", "-noout", "-in", layout.serverCert])),
        Effect.as(true),
        Effect.catchTag("TestEnvironmentError", () => Effect.succeed(false)),
      )
    : Effect.succeed(false);

/** Reuses the test CA and server certificate in the state directory, or creates them with openssl. */
export const ensureCertificates = (
  tools: Tools,
  layout: EnvironmentLayout,
): Effect.Effect<{ readonly certificates: CertificatesState; readonly created: boolean }, TestEnvironmentError> =>
  Effect.gen(function* () {
    const created = !(yield* usable(tools, layout));
    if (created) yield* generate(tools, layout);
    return {
      certificates: {
        caFile: layout.caFile,
        certDir: layout.certDir,
        serverCert: layout.serverCert,
        serverKey: layout.serverKey,
      },
      created,
    };
  });
