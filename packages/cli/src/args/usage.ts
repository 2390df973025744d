/** `skopush --help`. */
export const MAIN_USAGE = `Usage: skopush <command> [flags]

Push container image tarballs to Harbor or any OCI registry.

Commands:
  push <archive> <destination>   push an image archive (docker save output, OCI archive)
  push-many <plan.json>          push every image of a plan, several at once (--shard i/n: one part of it)
  doctor                         show which push strategies work here, and why not
  service <action>               manage the resident skopeo container (create, start, stop, restart, status, logs, rm)
  version                        print the version
  completion bash|zsh|fish       print a shell completion script (source <(skopush completion bash))
  help [command]                 show help for a command

Flags:
  -h, --help      show help
  -v, --version   print the version

Exit codes: 0 pushed, 1 push failed, 2 usage or input error, 130 SIGINT, 143 SIGTERM.
Reference: https://github.com/skopush/skopush/blob/main/docs/cli.md
`;

/** `skopush push --help`, listing the strategies the default chain registers. */
export const pushUsage = (strategies: ReadonlyArray<string>): string => `Usage: skopush push <archive> <destination> [flags]
       skopush push <archive> --harbor-url <url> --project <p> --repository <r> [--tag <t>] [flags]

  <archive>       an image tarball: docker save output, or an OCI archive
  <destination>   host[:port]/project/repo:tag, e.g. harbor.example.com/team/app:1.4

Destination (instead of <destination>):
  --harbor-url <url>      https://harbor.example.com (http:// turns TLS off)
  --project <name>        the Harbor project
  --repository <name>     the repository below the project
  --tag <tag>             default: latest

Credentials (otherwise SKOPUSH_USERNAME/SKOPUSH_PASSWORD, HARBOR_USERNAME/HARBOR_PASSWORD,
containers auth.json, docker config.json):
  -u, --username <user>   with --password-stdin
  --password-stdin        read the password from standard input (there is no --password flag)
  --authfile <file>       read credentials from this containers auth.json (as skopeo; REGISTRY_AUTH_FILE too)

Strategies:
  --strategy <a,b>        try only these, in this order: ${strategies.join(", ")}
  --container <name>      the resident skopeo container (default: skopeo-service)
  --shared-dir <dir>      its shared directory on this machine (default: $SKOPEO_SHARED_DIR or /tmp/geoml-skopeo)

TLS (verified by default):
  --ca-cert <file>        trust this PEM CA certificate
  --cert-dir <dir>        a certs.d-style directory (*.crt, *.cert/*.key)
  --insecure              skip certificate verification (and allow plain http)

Harbor:
  --ensure-project        create the project if it does not exist
  --ephemeral-robot       push with a robot account created for this push and deleted after it
  --harbor-url <url>      with <destination>: where Harbor's API is, when not at the registry's address

Archive (see https://github.com/skopush/skopush/blob/main/docs/archives.md):
  --platform <os/arch>    push one platform of a multi-platform archive (default: the whole index)
  --image <name>          which image of an archive holding several (default: the one named like
                          the destination's repository and tag)

Time limits (a push that passes one ends with Timeout, exit 1, and leaves nothing):
  --timeout <duration>    the whole push, every strategy tried (default: 3h); e.g. 90s, 10m, 1h
  --stall-timeout <dur>   an upload that moves no byte this long (default: 60s)

Output:
  -f, --format <oci|v2s2> the manifest format written (default: the archive's own)
  --compression <gzip|zstd|none>
                          what uncompressed layers are sent as (default gzip); zstd makes the image OCI;
                          none is pushed by the registry strategy (skopeo cannot send uncompressed layers)
  --digestfile <file>     write the pushed manifest's digest to this file (as skopeo)
  --json                  print the result as one JSON line on stdout (also on failure)
  -q, --quiet             no progress (stdout's last line is image@digest either way)
  --verbose, --debug      show strategy decisions, HTTP requests and the skopeo command line (redacted)
  -h, --help              show this help

skopeo's flags are answered with skopush's: --dest-tls-verify=false is --insecure, --dest-cert-dir is
--cert-dir, --dest-creds is refused (use --username with --password-stdin).

Progress goes to stderr: live bars on a terminal, plain lines in CI (CI set) or when piped.
NO_COLOR turns colours off. Exit codes: 0 pushed, 1 failed, 2 usage or input error, 130 SIGINT, 143 SIGTERM.
`;

/** `skopush doctor --help`. */
export const DOCTOR_USAGE = `Usage: skopush doctor [flags]

Checks every push strategy (available or not, and why), the skopeo and docker versions, and the
shared directory the container strategies hand archives over in.

  --name <name>         the resident container (default: skopeo-service)
  --shared-dir <dir>    the host side of the shared directory (default: $SKOPEO_SHARED_DIR or /tmp/geoml-skopeo)
  --json                print the report as one JSON line
  -h, --help            show this help

Exit code: 0 when at least one strategy can push here, 1 otherwise.
`;

/** `skopush service --help`. */
export const SERVICE_USAGE = `Usage: skopush service <action> [flags]

Manages the resident skopeo container the docker-exec and dockerode strategies use.

Actions:
  create     create and start it (docker run -d --restart unless-stopped -v <shared-dir>:/tmp/skopeo <image>)
  start      start it
  stop       stop it
  restart    restart it
  status     show whether it exists and runs, its image and its mounts
  logs       print its logs
  rm         remove it (stopping it first)

Flags:
  --name <name>         default: skopeo-service
  --image <image>       for create; default: quay.io/skopeo/stable
  --shared-dir <dir>    for create; default: $SKOPEO_SHARED_DIR or /tmp/geoml-skopeo
  --network <mode>      for create, e.g. host to reach registries on this machine's loopback
  --tail <n>            for logs: the last n lines
  --json                print the result as one JSON line
  -h, --help            show this help
`;

/** `skopush push-many --help`. */
export const pushManyUsage = `Usage: skopush push-many <plan.json> [flags]

  <plan.json>     a JSON list of { "archive": "app.tar", "destination": "host/project/repo:tag" } items
                  (optional per item: platform, image, compression, manifestFormat); archives are
                  relative to the plan file

Run:
  --concurrency <n>       images pushed at once (default 3)
  --shard <i/n>           push only shard i (0-based) of n: the plan sorted by destination, every n-th item
  --json                  print the report (per item and totals) as one JSON line on stdout
  -q, --quiet             no progress lines and no summary

As skopush push: -u/--username with --password-stdin (one registry only), --strategy, --container,
--shared-dir, --ca-cert, --cert-dir, --insecure, --format, --compression, --timeout (per image),
--stall-timeout.

Exit codes: 0 every image pushed, 1 one or more failed, 2 usage error or invalid plan (nothing pushed).
Reference: https://github.com/skopush/skopush/blob/main/docs/push-many.md
`;
