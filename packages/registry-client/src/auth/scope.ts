/** `repository:<name>:<actions>`: what a token may do with one repository. */
export const repositoryScope = (repository: string, actions: ReadonlyArray<"pull" | "push">): string =>
  `repository:${repository}:${actions.join(",")}`;

/** The scopes of a push to `repository`: pull and push on it, and pull on each mount source. */
export const pushScopes = (repository: string, mountSources: ReadonlyArray<string> = []): ReadonlyArray<string> => [
  repositoryScope(repository, ["pull", "push"]),
  ...mountSources.filter((source) => source !== repository).map((source) => repositoryScope(source, ["pull"])),
];
