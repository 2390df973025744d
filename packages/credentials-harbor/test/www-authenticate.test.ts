import { describe, expect, it } from "vitest";
import { parseWwwAuthenticate } from "@skopush/credentials-harbor";

describe("parseWwwAuthenticate", () => {
  it("reads Harbor's Bearer challenge with a scope holding commas", () => {
    expect(
      parseWwwAuthenticate('Bearer realm="https://harbor.example.com/service/token",service="harbor-registry",scope="repository:p/r:pull,push"'),
    ).toEqual([
      {
        scheme: "bearer",
        params: { realm: "https://harbor.example.com/service/token", service: "harbor-registry", scope: "repository:p/r:pull,push" },
      },
    ]);
  });

  it("reads Basic, unquoted values, escapes and several challenges", () => {
    expect(parseWwwAuthenticate('Basic realm="har\\"bor", Bearer realm=x , service = y')).toEqual([
      { scheme: "basic", params: { realm: 'har"bor' } },
      { scheme: "bearer", params: { realm: "x", service: "y" } },
    ]);
  });

  it("reads nothing from an empty header", () => {
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate("")).toEqual([]);
  });
});
