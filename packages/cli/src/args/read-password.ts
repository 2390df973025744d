import { UsageError } from "../usage-error.js";

/** The largest password accepted on stdin; more is a mistake (a file piped in by accident). */
const MAX_PASSWORD_BYTES = 64 * 1024;

/**
 * Reads the password for `--password-stdin`: everything up to end of input, without one trailing
 * newline (what `echo` and `printf '%s\n'` add). Empty input is a usage error.
 */
export const readPasswordFromStdin = async (stdin: AsyncIterable<Buffer | string>): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_PASSWORD_BYTES) throw new UsageError({ reason: "--password-stdin read more than 64 KiB; pipe in the password only", command: "push" });
    chunks.push(buffer);
  }
  const password = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (password.length === 0) throw new UsageError({ reason: "--password-stdin read an empty password from standard input", command: "push" });
  return password;
};
