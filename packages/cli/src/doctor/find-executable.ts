import { access, constants } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";

/** The first executable `name` on `PATH`, or undefined. */
export const findExecutable = async (name: string, path: string | undefined): Promise<string | undefined> => {
  if (isAbsolute(name)) return (await isExecutable(name)) ? name : undefined;
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir.length === 0) continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
};

const isExecutable = (file: string): Promise<boolean> =>
  access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
