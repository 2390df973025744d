import type { FlagSpecs } from "./parse-options.js";

/** The flags of `skopush doctor`. */
export const DOCTOR_FLAGS: FlagSpecs = {
  name: { type: "string", description: "the resident container (default skopeo-service)" },
  "shared-dir": { type: "string", description: "the shared directory on this machine", values: "directory" },
  json: { type: "boolean", description: "print the report as one JSON line" },
  help: { type: "boolean", short: "h", description: "show the usage" },
};

/** The flags of `skopush service`. */
export const SERVICE_FLAGS: FlagSpecs = {
  name: { type: "string", description: "the container (default skopeo-service)" },
  image: { type: "string", description: "create: the image (default quay.io/skopeo/stable)" },
  "shared-dir": { type: "string", description: "create: the shared directory on this machine", values: "directory" },
  network: { type: "string", description: "create: the network mode (default host)", values: ["host", "bridge", "none"] },
  tail: { type: "string", description: "logs: the last n lines" },
  json: { type: "boolean", description: "print the result as one JSON line" },
  help: { type: "boolean", short: "h", description: "show the usage" },
};
