/**
 * Replaces every occurrence of each secret in `text` (and of its base64 `user:secret` forms, which
 * Basic auth headers and auth files carry) with `<redacted>`. Used on anything a command printed
 * before it reaches an error, a log or a progress line.
 */
export const redactSecrets = (text: string, secrets: ReadonlyArray<string | undefined>, username?: string): string => {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    const forms = [secret, encodeURIComponent(secret)];
    if (username !== undefined) forms.push(Buffer.from(`${username}:${secret}`).toString("base64"));
    for (const form of forms) out = out.split(form).join("<redacted>");
  }
  return out;
};
