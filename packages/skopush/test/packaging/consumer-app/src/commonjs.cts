// A CommonJS module of the app: skopush is ESM-only and reaches it through require(esm) (Node >= 20.19).
import skopush = require("skopush");

process.stdout.write(`${JSON.stringify({ pushImage: typeof skopush.pushImage, resolvePusher: typeof skopush.resolvePusher })}\n`);
