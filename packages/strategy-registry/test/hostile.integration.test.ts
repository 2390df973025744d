import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTags, loadTestEnvironment, type TestEnvironment } from "@skopush/testkit/environment";
import { HOSTILE_ARCHIVE_KINDS, writeHostileArchive } from "@skopush/testkit/fixtures";
import { pushFails, requestFor, scratch, strategyIn, uniqueRepository } from "./support/push.js";

// Every malformed or malicious archive fails with ArchiveInvalid before anything is tagged, including
// those only hashing shows (a layer that lies about its digest or diff_id): the manifest goes last.
let env: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;

beforeAll(async () => {
  env = await loadTestEnvironment();
  work = await scratch("hostile");
});
afterAll(() => work?.cleanup());

describe("hostile archives", () => {
  it.each(HOSTILE_ARCHIVE_KINDS)("rejects %s with ArchiveInvalid and tags nothing", async (kind) => {
    const hostile = await writeHostileArchive(join(work.dir, `${kind}.tar`), kind);
    const registry = env.registry("plain");
    const repository = uniqueRepository(`hostile-${kind}`);
    const error = await pushFails(strategyIn(work.dir), requestFor(registry, hostile.path, `${repository}:v1`));
    expect(error._tag, error.message).toBe("ArchiveInvalid");
    for (const mention of hostile.mentions) expect(error.message.toLowerCase()).toContain(mention.toLowerCase());
    expect(await listTags(registry, repository)).toEqual([]);
  });
});
