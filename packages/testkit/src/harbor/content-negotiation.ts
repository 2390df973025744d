/**
 * Whether an `Accept` header lets the server answer with one of `produces` (go-openapi's content
 * negotiation, which Harbor's API runs before every handler). No header is enough, and so is an entry
 * matching an offer exactly or by wildcard (any type, or any subtype of its type) with a non-zero `q`.
 */
export const acceptable = (accept: string | undefined, produces: ReadonlyArray<string>): boolean => {
  if (accept === undefined || accept.trim() === "") return true;
  return accept.split(",").some((entry) => {
    const [range = "", ...params] = entry.split(";").map((part) => part.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) return false;
    const [type, subtype] = range.split("/");
    return produces.some((offer) => {
      const [offerType, offerSubtype] = offer.split("/");
      return (type === "*" && subtype === "*") || (type === offerType && (subtype === "*" || subtype === offerSubtype));
    });
  });
};

/**
 * Harbor's answer when negotiation fails: go-openapi's `CompositeValidationError` (422) holding an
 * `InvalidResponseFormat`, turned into Harbor's error body by src/lib/http/error.go.
 */
export const notAcceptableBody = (produces: ReadonlyArray<string>): string =>
  JSON.stringify({
    errors: [{ code: "UNPROCESSABLE_ENTITY", message: `validation failure list:\nunsupported media type requested, only [${produces.join(" ")}] are available` }],
  });
