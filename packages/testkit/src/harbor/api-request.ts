import type http from "node:http";
import type { Principal } from "./harbor-stand-in-store.js";
import type { StandInResponse } from "./token-service.js";

/** A REST API call as the route handlers see it. */
export interface ApiRequest {
  readonly method: string;
  /** The path below `/api/v2.0`, decoded once as Go routes it (`team%252Fapp` stays one segment). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Who sent it; `undefined` = anonymous. */
  readonly principal: Principal | undefined;
  /** The request URL's path as sent, for `Location` headers. */
  readonly rawPath: string;
}

/** A route's answer, and the robot it created or deleted (for the call record). */
export interface ApiAnswer {
  readonly response: StandInResponse;
  readonly robot?: { readonly id: number; readonly name: string } | undefined;
}

/** The base path of Harbor's REST API. */
export const API = "/api/v2.0";

/** Harbor's name rule for projects and robots. */
export const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
