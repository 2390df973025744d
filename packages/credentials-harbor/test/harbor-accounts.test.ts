import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HarborCredentialsProvider, type HarborCredentialsProviderOptions } from "@skopush/credentials-harbor";
import { ACCOUNTS, outcome, plain, startStandIn } from "./support.js";

// What each kind of Harbor account can do through HarborCredentialsProvider, against a stand-in that is
// as strict as Harbor: a database user, a robot, an OIDC user's CLI secret, a system admin.

type StandIn = Awaited<ReturnType<typeof startStandIn>>;
let db: StandIn;
let oidc: StandIn;
beforeAll(async () => {
  // A site quota for new projects (Harbor's storage_per_project), so that an unlimited one would show.
  [db, oidc] = await Promise.all([startStandIn({ storagePerProject: 1 << 30 }), startStandIn({ authMode: "oidc_auth" })]);
  for (const env of [db, oidc]) {
    env.store.seed({
      projects: [{ name: "others", members: { owner: "projectAdmin" } }],
      robots: [
        // Harbor ≥ 2.12: a robot may create robots no broader than itself.
        {
          name: "robot$skopush+maker",
          secret: "Maker1234",
          project: "skopush",
          actions: ["pull", "push"],
          access: [{ resource: "artifact", action: "read" }, { resource: "robot", action: "create" }, { resource: "robot", action: "delete" }],
        },
      ],
    });
  }
});
afterAll(() => Promise.all([db?.close(), oidc?.close()]));

const resolve = (env: StandIn, account: { username: string; password: string }, repository: string, options: Partial<HarborCredentialsProviderOptions> = {}) =>
  outcome(
    Effect.scoped(
      new HarborCredentialsProvider({ url: env.standIn.url, credentials: account, retry: { times: 0, baseDelayMs: 1, maxDelayMs: 1 }, ...options })
        .resolve({ registry: env.registry, repository })
        .pipe(Effect.map(plain)),
    ),
  );

describe("a database user (developer of skopush)", () => {
  it("pushes to its project, and creates a project with ensureProject", async () => {
    expect(await resolve(db, ACCOUNTS.developer, "skopush/app")).toEqual(ACCOUNTS.developer);
    expect(await resolve(db, ACCOUNTS.developer, "dev-made/app", { ensureProject: true })).toEqual(ACCOUNTS.developer);
  });

  it("is told a project it is not a member of exists, rather than that it is missing", async () => {
    const error = await resolve(db, ACCOUNTS.developer, "others/app");
    expect(error).toMatchObject({ _tag: "AccessDenied" });
    expect((error as Error).message).toMatch(/project "others" exists, but the account is not a member of it.*Developer role/);
  });

  it("cannot create robots (not a project admin)", async () => {
    expect(await resolve(db, ACCOUNTS.developer, "skopush/app", { ephemeralRobot: true })).toMatchObject({ _tag: "AccessDenied" });
  });
});

describe("a robot", () => {
  it("pushes to its own project only", async () => {
    expect(await resolve(db, ACCOUNTS.robot, "skopush/app")).toEqual(ACCOUNTS.robot);
    const elsewhere = await resolve(db, ACCOUNTS.robot, "others/app");
    expect(elsewhere).toMatchObject({ _tag: "AccessDenied" });
    expect((elsewhere as Error).message).toMatch(/use a robot of this project/);
  });

  it("cannot create a project", async () => {
    expect(await resolve(db, ACCOUNTS.robot, "robot-made/app", { ensureProject: true })).toMatchObject({ _tag: "AccessDenied" });
  });

  it("creates an ephemeral robot when it has the robot create permission (Harbor ≥ 2.12)", async () => {
    const credentials = await resolve(db, { username: "robot$skopush+maker", password: "Maker1234" }, "skopush/app", { ephemeralRobot: true });
    expect(credentials).toMatchObject({ username: expect.stringMatching(/^robot\$skopush\+skopush-[0-9a-f]{8}$/) });
    expect(db.store.robotNamed((credentials as { username: string }).username)).toBeUndefined();
    expect(await resolve(db, ACCOUNTS.robot, "skopush/app", { ephemeralRobot: true })).toMatchObject({ _tag: "AccessDenied" });
  });

  it("is recognised by the site's robot_name_prefix", async () => {
    const custom = await startStandIn({ robotPrefix: "bot-" });
    try {
      custom.store.seed({ robots: [{ name: "bot-skopush+ci", secret: "Bot12345", project: "skopush", actions: ["pull", "push"] }] });
      const wrong = await resolve(custom, { username: "bot-skopush+ci", password: "wrong" }, "skopush/app", { robotNamePrefix: "bot-" });
      expect((wrong as Error).message).toMatch(/robot that is expired, disabled or was deleted/);
      const made = await resolve(custom, ACCOUNTS.projectAdmin, "skopush/app", { ephemeralRobot: true, robotNamePrefix: "bot-" });
      // The name comes from Harbor's answer, with Harbor's prefix.
      expect(made).toMatchObject({ username: expect.stringMatching(/^bot-skopush\+skopush-/) });
    } finally {
      await custom.close();
    }
  });
});

describe("an OIDC user with a CLI secret", () => {
  it("pushes to a project it belongs to: the project check reads the project list, which Harbor allows CLI secrets", async () => {
    const before = oidc.standIn.calls.length;
    expect(await resolve(oidc, ACCOUNTS.oidc, "skopush/app")).toEqual(ACCOUNTS.oidc);
    expect(oidc.standIn.calls.slice(before).map((c) => `${c.method} ${c.path.split("?")[0]} ${c.status}`)).toEqual(["GET /api/v2.0/projects 200"]);
  });

  it("creates a project with ensureProject (POST /projects accepts CLI secrets)", async () => {
    expect(await resolve(oidc, ACCOUNTS.oidc, "cli-made/app", { ensureProject: true })).toEqual(ACCOUNTS.oidc);
    expect(oidc.store.projects.get("cli-made")?.members.get(ACCOUNTS.oidc.username)).toBe("projectAdmin");
  });

  it("gets ProjectNotFound for a project it does not see, with the membership hint (Harbor tells it no more)", async () => {
    for (const project of ["no-such-project", "others"]) {
      const error = await resolve(oidc, ACCOUNTS.oidc, `${project}/app`);
      expect(error).toMatchObject({ _tag: "ProjectNotFound", project });
      expect((error as Error).message).toMatch(/if it does exist, make the account a member/);
    }
  });

  it("cannot create robots, and is told so before trying", async () => {
    expect(await resolve(oidc, ACCOUNTS.oidc, "skopush/app", { ephemeralRobot: true })).toMatchObject({ _tag: "CredentialsError" });
  });
});

describe("a system admin", () => {
  it("pushes anywhere, creates projects and robots anywhere, and is told when a project is missing", async () => {
    expect(await resolve(db, ACCOUNTS.admin, "others/app")).toEqual(ACCOUNTS.admin);
    expect(await resolve(oidc, ACCOUNTS.admin, "others/app")).toEqual(ACCOUNTS.admin);
    expect(await resolve(db, ACCOUNTS.admin, "others/app", { ephemeralRobot: true })).toMatchObject({ username: expect.stringMatching(/^robot\$others\+/) });
    expect(await resolve(db, ACCOUNTS.admin, "no-such-project/app")).toMatchObject({ _tag: "ProjectNotFound" });
    expect(await resolve(db, ACCOUNTS.admin, "admin-made/app", { ensureProject: true })).toEqual(ACCOUNTS.admin);
    // Without storage_limit the project gets the site's quota, not the unlimited one a -1 would give.
    expect(db.store.projects.get("admin-made")?.storageLimit).toBe(1 << 30);
  });
});
