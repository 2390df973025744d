import { createHash } from "node:crypto";

/** A Bearer token and when to stop using it. */
export interface CachedToken {
  readonly token: string;
  /** Epoch ms after which the token is refreshed before use. */
  readonly refreshAt: number;
}

/** What a token was issued for: realm, service, scopes and the account that asked. */
export interface TokenKey {
  readonly realm: string;
  readonly service: string | undefined;
  readonly scopes: ReadonlyArray<string>;
  readonly username: string | undefined;
  /** Only a hash of it is kept in the key. */
  readonly secret: string | undefined;
}

const keyOf = (key: TokenKey): string =>
  JSON.stringify([
    key.realm,
    key.service ?? "",
    [...new Set(key.scopes)].sort(),
    key.username ?? "",
    key.secret === undefined ? "" : createHash("sha256").update(key.secret).digest("hex"),
  ]);

/**
 * The time before expiry at which a token is refreshed: a tenth of its lifetime, between 5 and 30
 * seconds, so a request never leaves with a token about to expire.
 */
export const refreshMargin = (lifetimeMs: number): number => Math.min(30_000, Math.max(5_000, lifetimeMs / 10));

/**
 * Bearer tokens per (realm, service, scope set, account), kept until shortly before they expire. One
 * cache lives as long as its strategy, so consecutive pushes reuse tokens.
 */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  /** The cached token for `key`, unless it is due for refresh at `now`. */
  get(key: TokenKey, now: number = Date.now()): string | undefined {
    const cached = this.tokens.get(keyOf(key));
    if (cached === undefined) return undefined;
    if (now >= cached.refreshAt) {
      this.tokens.delete(keyOf(key));
      return undefined;
    }
    return cached.token;
  }

  /** Keeps a token valid for `lifetimeMs` from `now`. */
  set(key: TokenKey, token: string, lifetimeMs: number, now: number = Date.now()): void {
    this.tokens.set(keyOf(key), { token, refreshAt: now + lifetimeMs - refreshMargin(lifetimeMs) });
  }

  /** Forgets the token for `key` (the registry refused it). */
  delete(key: TokenKey): void {
    this.tokens.delete(keyOf(key));
  }
}
