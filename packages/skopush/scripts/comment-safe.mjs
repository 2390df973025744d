// Makes JavaScript code safe to carry inside a /* … */ comment, without changing what it does: the only
// places minified code can hold "*/" are literals, each rewritten to an equivalent spelling.
import ts from "typescript";

/** The literal kinds whose text may hold "*" followed by "/". */
const LITERALS = new Set([
  ts.SyntaxKind.RegularExpressionLiteral,
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateHead,
  ts.SyntaxKind.TemplateMiddle,
  ts.SyntaxKind.TemplateTail,
]);

/** A regex literal's "*" before its closing "/" gets an empty group; any other "*\/" (in a class) an escaped slash. */
const safeRegex = (text) => {
  const close = text.lastIndexOf("/");
  const body = text.slice(0, close).replaceAll("*/", "*\\/");
  return `${body}${body.endsWith("*") ? "(?:)" : ""}${text.slice(close)}`;
};

/** `code` with every "*\/" inside a literal respelled (strings and templates: "\/", which reads as "/"). */
export const commentSafe = (code) => {
  if (!code.includes("*/")) return code;
  const file = ts.createSourceFile("payload.js", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const edits = [];
  const visit = (node) => {
    if (LITERALS.has(node.kind)) {
      const start = node.getStart(file);
      const text = code.slice(start, node.end);
      if (text.includes("*/")) {
        edits.push({ start, end: node.end, text: node.kind === ts.SyntaxKind.RegularExpressionLiteral ? safeRegex(text) : text.replaceAll("*/", "*\\/") });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = code;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  if (out.includes("*/")) throw new Error(`"*/" remains outside a literal in the bundled code (${out.split("*/").length - 1} places); it cannot be carried in a comment`);
  return out;
};
