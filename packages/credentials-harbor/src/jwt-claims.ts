/** One entry of a registry token's `access` claim. */
export interface TokenAccess {
  readonly type: string;
  readonly name: string;
  readonly actions: ReadonlyArray<string>;
}

/**
 * Reads the `access` claim of a registry token without verifying it: only the registry verifies tokens;
 * skopush reads what it was granted to explain a refusal before pushing. `undefined` when unreadable.
 */
export const tokenAccess = (token: string): TokenAccess[] | undefined => {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { access?: unknown };
    if (!Array.isArray(claims.access)) return [];
    return claims.access.filter(
      (a): a is TokenAccess =>
        typeof a === "object" && a !== null && typeof a.type === "string" && typeof a.name === "string" && Array.isArray(a.actions),
    );
  } catch {
    return undefined;
  }
};
