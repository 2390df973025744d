import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { InvalidReference } from "@skopush/core";
import { harborImageReference, harborImageReferenceOrThrow } from "skopush";

describe("harborImageReference", () => {
  it("builds the reference from a Harbor URL, project, repository and tag", () => {
    const ref = harborImageReferenceOrThrow({
      harborUrl: "https://harbor.example.com/",
      project: "my-project",
      repository: "team/my-repo",
      tag: "v1.2",
    });
    expect(ref.toString()).toBe("harbor.example.com/my-project/team/my-repo:v1.2");
    expect(ref.project).toBe("my-project");
  });

  it("defaults the tag to latest and keeps the port", () => {
    expect(
      harborImageReferenceOrThrow({ harborUrl: "http://10.0.0.5:8080", project: "p", repository: "r" }).toString(),
    ).toBe("10.0.0.5:8080/p/r:latest");
  });

  it.each([
    [{ harborUrl: "ftp://h.example.com", project: "p", repository: "r" }, "registry", "scheme"],
    [{ harborUrl: "https://user:pw@h.example.com", project: "p", repository: "r" }, "registry", "credentials"],
    [{ harborUrl: "https://h.example.com/harbor", project: "p", repository: "r" }, "registry", "path"],
    [{ harborUrl: "", project: "p", repository: "r" }, "registry", "empty"],
    [{ harborUrl: "h.example.com", project: "My-Project", repository: "r" }, "project", "lowercase"],
    [{ harborUrl: "h.example.com", project: "", repository: "r" }, "project", "empty"],
    [{ harborUrl: "h.example.com", project: "a__b", repository: "r" }, "project", "separated by"],
    [{ harborUrl: "h.example.com", project: "p", repository: "" }, "repository", "empty"],
    [{ harborUrl: "h.example.com", project: "p", repository: "Repo" }, "repository", "lowercase"],
    [{ harborUrl: "h.example.com", project: "p", repository: "r", tag: "-x" }, "tag", "must start"],
  ] as const)("rejects %j in its %s", (parts, part, mentions) => {
    const exit = Effect.runSyncExit(harborImageReference(parts));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(() => harborImageReferenceOrThrow(parts)).toThrow(expect.objectContaining({ _tag: "InvalidReference", part, message: expect.stringContaining(mentions) }));
  });

  it.each([
    ["a/b", "may only contain"],
    ["a:b", "may only contain"],
    ["a@b", "may only contain"],
    ["a b", "whitespace"],
    ["x".repeat(129), "limit is 128"],
  ])("rejects the tag %j as a tag, naming it alone", (tag, mentions) => {
    expect(() => harborImageReferenceOrThrow({ harborUrl: "h.example.com", project: "p", repository: "r", tag })).toThrow(
      expect.objectContaining({ _tag: "InvalidReference", part: "tag", input: tag, message: expect.stringContaining(mentions) }),
    );
    expect(() => harborImageReferenceOrThrow({ harborUrl: "h.example.com", project: "p", repository: "r", tag })).toThrow(InvalidReference);
  });
});
