import { expect } from "vitest";

/**
 * Asserts that a typed error says what to do: its `fix` holds at least two words (not undefined, not
 * empty, not blank), and its message carries it after "Fix: ", where users read it.
 */
export const expectSaysWhatToDo = (error: { readonly fix?: string | undefined; readonly message: string }): void => {
  expect(error.fix, `no fix in: ${error.message}`).toMatch(/\S+\s+\S+/);
  expect(error.message).toContain(`Fix: ${error.fix}`);
};
