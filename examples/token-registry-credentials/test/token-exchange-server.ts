import http from "node:http";
import type { AddressInfo } from "node:net";

/** A stand-in for a registry's `/oauth2/exchange` endpoint on 127.0.0.1, recording each request body. */
export const startTokenExchangeServer = async (answer: (form: URLSearchParams) => { status: number; body: unknown }) => {
  const requests: URLSearchParams[] = [];
  const server = http.createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    request.on("end", () => {
      const form = new URLSearchParams(text);
      requests.push(form);
      const { status, body } = request.method === "POST" && request.url === "/oauth2/exchange" ? answer(form) : { status: 404, body: {} };
      response.writeHead(status, { "content-type": "application/json" });
      response.end(typeof body === "string" ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { host, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};
