import { describe, expect, it } from "vitest";
import { classifyHarborResponse, classifyTransportError, isRobotName, type HarborCallContext } from "@skopush/credentials-harbor";
import { TransportError } from "@skopush/registry-client";

const response = (status: number, body: unknown = "", headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
});
const harborError = (code: string, message: string) => ({ errors: [{ code, message }] });
const context = (overrides: Partial<HarborCallContext> = {}): HarborCallContext => ({
  registry: "harbor.example.com",
  operation: "projectExists",
  username: "robot$proj+ci",
  project: "proj",
  secrets: ["S3cr:et$"],
  ...overrides,
});

describe("classifyHarborResponse", () => {
  it("maps 401 to AuthenticationFailed with the robot's checks, never the secret", () => {
    const error = classifyHarborResponse(response(401, harborError("UNAUTHORIZED", "bad creds S3cr:et$")), context());
    expect(error._tag).toBe("AuthenticationFailed");
    expect(error.message).toMatch(/robot\$project\+name/);
    expect(error.message).toMatch(/expired, disabled/);
    expect(error.message).not.toContain("S3cr:et$");
    expect(error.isRetryable).toBe(false);
  });

  it("tells robots by the site's robot_name_prefix, robot$ unless told otherwise", () => {
    expect([isRobotName("robot$proj+ci"), isRobotName("robot_proj+ci"), isRobotName("alice")]).toEqual([true, false, false]);
    expect([isRobotName("bot-proj+ci", "bot-"), isRobotName("robot$proj+ci", "bot-")]).toEqual([true, false]);
    const custom = classifyHarborResponse(response(401), context({ username: "bot-proj+ci", robotPrefix: "bot-" }));
    expect(custom.message).toMatch(/expired, disabled/);
    expect(classifyHarborResponse(response(401), context({ username: "bot-proj+ci" })).message).toMatch(/CLI secret/);
  });

  it("hints at OIDC CLI secrets for a user's 401", () => {
    expect(classifyHarborResponse(response(401), context({ username: "alice" })).message).toMatch(/CLI secret/);
  });

  it("explains a 401 from /robots after a successful login as a CLI secret that cannot create robots", () => {
    const error = classifyHarborResponse(response(401), context({ username: "alice", operation: "createRobot" }));
    expect(error._tag).toBe("AuthenticationFailed");
    expect(error.message).toMatch(/OIDC CLI secrets are refused by \/robots/);
  });

  it("maps the quota 403 to QuotaExceeded with Harbor's numbers", () => {
    const message =
      "adding 29.0 MiB of storage resource, which when updated to current usage of 152.4 MiB will exceed the configured upper limit of 10.0 MiB.";
    const error = classifyHarborResponse(response(403, harborError("DENIED", message)), context());
    expect(error._tag).toBe("QuotaExceeded");
    expect(error.message).toContain("29.0 MiB");
    expect(error.message).toContain("10.0 MiB");
  });

  it("maps the CSRF 403 to a message saying cookies must not be sent", () => {
    const error = classifyHarborResponse(response(403, harborError("FORBIDDEN", "CSRF token invalid")), context({ operation: "ensureProject" }));
    expect(error._tag).toBe("RegistryError");
    expect(error.message).toMatch(/must not send cookies/);
    expect(error.isRetryable).toBe(false);
  });

  it("maps other 403s to AccessDenied with a fix for the operation", () => {
    const create = classifyHarborResponse(response(403, harborError("FORBIDDEN", "forbidden")), context({ operation: "createRobot" }));
    expect(create).toMatchObject({ _tag: "AccessDenied" });
    expect(create.message).toMatch(/project admin or a system admin/);
    // Since Harbor 2.12 a robot with the robot create permission may create narrower robots.
    expect(create.message).toMatch(/Harbor ≥ 2\.12\) a robot of the project with the robot create permission/);
    const project = classifyHarborResponse(response(403, harborError("FORBIDDEN", "Only system admin can create project")), context({ operation: "ensureProject" }));
    expect(project.message).toMatch(/adminonly/);
  });

  // src/server/middleware/readonly/readonly.go: every write, whoever sends it.
  it("reads Harbor's read-only mode as a RegistryError saying so, not as AccessDenied with an admin hint", () => {
    const body = harborError("DENIED", "The system is in read only mode. Any modification is prohibited.");
    for (const operation of ["ensureProject", "createRobot", "deleteRobot"] as const) {
      const error = classifyHarborResponse(response(403, body), context({ operation }));
      expect(error).toMatchObject({ _tag: "RegistryError", status: 403, code: "DENIED" });
      expect(error.message).toMatch(/read-only mode .*try again when it is off/);
      expect(error.message).not.toMatch(/adminonly|project admin/);
    }
  });

  it("maps a 404 about a project to ProjectNotFound naming the project and the ensureProject option", () => {
    const error = classifyHarborResponse(response(404, harborError("NOT_FOUND", "project proj not found")), context({ operation: "createRobot" }));
    expect(error._tag).toBe("ProjectNotFound");
    expect(error.message).toContain('"proj"');
    expect(error.message).toContain("ensureProject");
    expect(error.message).toContain("the ensureProject: true option");
  });

  it("keeps a 404 for a missing artifact apart from a missing project", () => {
    const artifact = classifyHarborResponse(response(404, harborError("NOT_FOUND", "artifact proj/app:v1 not found")), context({ operation: "getArtifact", repository: "app" }));
    expect(artifact._tag).toBe("RegistryError");
    const project = classifyHarborResponse(response(404, harborError("NOT_FOUND", "project proj not found")), context({ operation: "getArtifact", repository: "app" }));
    expect(project._tag).toBe("ProjectNotFound");
  });

  it("maps 412 from /users/current to a robot-account CredentialsError", () => {
    const error = classifyHarborResponse(response(412, harborError("PRECONDITION", "x")), context({ operation: "currentUser" }));
    expect(error._tag).toBe("CredentialsError");
    expect(error.message).toMatch(/is a robot account/);
  });

  it.each([429, 502, 503, 504])("maps %i to a retryable RegistryError", (status) => {
    const error = classifyHarborResponse(response(status, harborError("TOO_MANY_REQUEST", "slow down"), { "retry-after": "2" }), context());
    expect(error).toMatchObject({ _tag: "RegistryError", status, isRetryable: true });
    if (status === 429) expect(error).toMatchObject({ retryAfterMs: 2000, code: "TOO_MANY_REQUEST" });
  });

  it("maps 500 to a RegistryError with Harbor's message", () => {
    expect(classifyHarborResponse(response(500, harborError("UNKNOWN", "internal server error")), context())).toMatchObject({
      _tag: "RegistryError",
      status: 500,
      code: "UNKNOWN",
    });
  });

  it("says Harbor's doubled messages once", () => {
    const message = "unauthorized to access repository: p/r, action: push: unauthorized to access repository: p/r, action: push";
    const error = classifyHarborResponse(response(400, harborError("BAD_REQUEST", message)), context());
    expect(error.message).toContain("unauthorized to access repository: p/r, action: push");
    expect(error.message).not.toContain(`push: unauthorized`);
  });

  it("redacts the secret and its Basic form from bodies that echo them", () => {
    const basic = Buffer.from("robot$proj+ci:S3cr:et$").toString("base64");
    const error = classifyHarborResponse(response(400, `bad header Basic ${basic} / S3cr:et$`), context());
    expect(error.message).not.toContain("S3cr:et$");
    expect(error.message).not.toContain(basic);
  });
});

describe("classifyTransportError", () => {
  const transport = (code: string | undefined, message: string, timedOut = false) =>
    new TransportError({
      url: "https://harbor.example.com/api/v2.0/ping",
      method: "GET",
      code,
      // A handshake failure happens while connecting; a silent server, once connected.
      phase: timedOut ? "exchange" : "connect",
      timedOut,
      detail: message,
      cause: Object.assign(new Error(message), { code }),
    });

  it.each(["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID"])(
    "maps %s to TlsVerificationFailed with the CA fix",
    (code) => {
      const error = classifyTransportError(transport(code, "certificate problem"), { registry: "harbor.example.com", operation: "ping" });
      expect(error._tag).toBe("TlsVerificationFailed");
      expect(error.message).toMatch(/the tls\.caFile option/);
    },
  );

  it("maps refused connections to a retryable RegistryUnreachable", () => {
    const error = classifyTransportError(transport("ECONNREFUSED", "connect ECONNREFUSED"), { registry: "harbor.example.com", operation: "ping" });
    expect(error).toMatchObject({ _tag: "RegistryUnreachable", isRetryable: true });
  });

  it("maps a timeout to Timeout", () => {
    const error = classifyTransportError(transport(undefined, "no answer within 1500 ms", true), { registry: "harbor.example.com", operation: "ping" });
    expect(error).toMatchObject({ _tag: "Timeout", afterMs: 1500 });
  });

  it("says when https met a plain-http server", () => {
    const error = classifyTransportError(transport("EPROTO", "wrong version number"), { registry: "harbor.example.com", operation: "ping" });
    expect(error.message).toMatch(/plain http/);
  });
});
