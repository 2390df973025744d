import type http from "node:http";
import type { StandInResponse } from "./token-service.js";

/** A JSON answer. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}): StandInResponse => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});
/** Harbor's error body: `{"errors":[{"code","message"}]}`. */
export const error = (status: number, code: string, message: string) => json(status, { errors: [{ code, message }] });
/** An answer without a body. */
export const empty = (status: number, headers: Record<string, string> = {}): StandInResponse => ({ status, headers, body: "" });

/** The whole request body; a body longer than `limit` bytes fails. */
export const readBodyBytes = (req: http.IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) req.destroy(new Error(`the request body is larger than ${limit} bytes`));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

/** The whole request body as text. */
export const readBody = async (req: http.IncomingMessage): Promise<string> => (await readBodyBytes(req)).toString("utf8");

/** JSON, or `undefined` when the text is not JSON. */
export const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
};
