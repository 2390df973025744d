/** One entry of a registry's `{"errors":[…]}` body. */
export interface RegistryErrorEntry {
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly detail: unknown;
}

/** What a registry's error answer says: its entries when the body is the JSON the spec defines, else its text. */
export interface RegistryErrorBody {
  readonly errors: ReadonlyArray<RegistryErrorEntry>;
  /** A one-line summary for messages: the entries' messages, or the body's text without markup. */
  readonly summary: string;
}

const MAX_SUMMARY = 300;

// Harbor says most things twice: "unauthorized to access repository: p/r, action: push: unauthorized to …".
const undouble = (message: string): string => {
  const trimmed = message.trim();
  const half = (trimmed.length - 2) / 2;
  return Number.isInteger(half) && half > 0 && trimmed.slice(half, half + 2) === ": " && trimmed.slice(0, half) === trimmed.slice(half + 2)
    ? trimmed.slice(0, half)
    : trimmed;
};

const textOf = (body: string): string =>
  body
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();

const cut = (text: string): string => (text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text);

/**
 * Reads an error body without assuming JSON: HEAD answers have none, proxies answer HTML, and some
 * registries plain text.
 */
export const parseRegistryErrorBody = (body: Uint8Array): RegistryErrorBody => {
  const text = Buffer.from(body).toString("utf8");
  if (text.trim() === "") return { errors: [], summary: "" };
  try {
    const json = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(json.errors)) {
      const errors = json.errors.map((entry: unknown): RegistryErrorEntry => {
        const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
        return {
          code: typeof e["code"] === "string" ? e["code"] : undefined,
          message: typeof e["message"] === "string" ? undouble(e["message"]) : undefined,
          detail: e["detail"],
        };
      });
      const summary = errors.map((e) => [e.message, detailText(e.detail)].filter(Boolean).join(": ") || e.code || "").filter(Boolean).join("; ");
      return { errors, summary: cut(summary) };
    }
  } catch {
    // not JSON: fall through to text
  }
  return { errors: [], summary: cut(textOf(text)) };
};

const detailText = (detail: unknown): string | undefined => {
  if (detail === null || detail === undefined) return undefined;
  if (typeof detail === "string") return detail;
  if (typeof detail === "object" && !Array.isArray(detail)) {
    const record = detail as Record<string, unknown>;
    // MANIFEST_BLOB_UNKNOWN names the blob in `detail.digest` (distribution), or `detail` itself
    if (typeof record["digest"] === "string") return `blob ${record["digest"]}`;
  }
  return undefined;
};

/** The codes of a parsed body. */
export const errorCodes = (body: RegistryErrorBody): ReadonlyArray<string> => body.errors.flatMap((e) => (e.code ? [e.code] : []));

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP-date; undefined when absent or unreadable.
 * Capped at ten minutes, so a hostile value cannot park a push.
 */
export const retryAfterMs = (header: string | string[] | undefined, now: number = Date.now()): number | undefined => {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    ms = Math.max(0, date - now);
  }
  return Math.min(ms, 10 * 60 * 1000);
};
