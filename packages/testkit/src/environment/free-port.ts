import { createServer } from "node:net";
import { Effect } from "effect";

const listenOn = (port: number) =>
  Effect.callback<number | undefined>((resume) => {
    const server = createServer();
    server.once("error", () => resume(Effect.succeed(undefined)));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : undefined;
      server.close(() => resume(Effect.succeed(bound)));
    });
  });

/** A port on 127.0.0.1 that was free a moment ago (the caller must cope with losing a race for it). */
export const freePort: Effect.Effect<number> = listenOn(0).pipe(
  Effect.flatMap((port) => (port === undefined ? Effect.die(new Error("cannot bind any port on 127.0.0.1")) : Effect.succeed(port))),
);

/** True when `port` on 127.0.0.1 can be bound right now. */
export const isPortFree = (port: number): Effect.Effect<boolean> => listenOn(port).pipe(Effect.map((bound) => bound === port));
