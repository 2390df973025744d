import { defineConfig } from "vitest/config";
import { projects } from "./vitest.workspace.js";

// vitest 4 ignores a bare vitest.workspace.ts; the projects it declares are used here.
export default defineConfig({
  test: {
    projects,
  },
});
