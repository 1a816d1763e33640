/**
 * Masks what looks like a secret in a log line before it leaves the API (issue 16): services log
 * what they should not, and a log viewer must not become a credential viewer. Pure and
 * conservative: a false positive costs a few characters of a line, a miss costs a credential.
 */
export const MASK = '[masked]';

const KEYISH = String.raw`(?:[A-Za-z0-9_.-]*(?:secret|password|passwd|pwd|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth))`;

const RULES: ReadonlyArray<readonly [RegExp, string | ((...groups: string[]) => string)]> = [
  // A private key block, whole or cut at the line's end (a multi-line key logged one line at a time).
  [/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----(?:[\s\S]*?-----END \1PRIVATE KEY-----|[\s\S]*$)/g, (_m, kind) => `-----BEGIN ${kind}PRIVATE KEY-----${MASK}-----END ${kind}PRIVATE KEY-----`],
  // A password in a URL: scheme://user:password@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):([^\s@/]+)@/gi, (_m, userPart) => `${userPart}:${MASK}@`],
  // Authorization: Bearer … / Basic … / token …
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]{8,}=*/g, (_m, scheme) => `${scheme} ${MASK}`],
  // A JSON Web Token anywhere.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, MASK],
  // An AWS secret access key (40 base64 characters) after a key-ish label, quoted or not.
  [new RegExp(String.raw`(${KEYISH}["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])`, 'gi'), (_m, label) => `${label}${MASK}`],
  // password=…, secret: "…", "token":"…", api_key=…: the label stays, the value goes.
  [new RegExp(String.raw`(${KEYISH}["']?\s*[:=]\s*)("?)(?!\[masked\])[^\s"&,;'}]+`, 'gi'), (_m, label, quote) => `${label}${quote}${MASK}`],
  // AWS access key ids (long-term AKIA…, temporary ASIA…, and the other IAM unique-id kinds that are credentials).
  [/\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, (_m, prefix) => `${prefix}${MASK}`],
];

/** The line with every secret-looking part replaced by `[masked]` (labels and prefixes kept, so a reader sees what was there). */
export function maskSecrets(line: string): string {
  let out = line;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement as never);
  return out;
}
