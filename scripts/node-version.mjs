// The Node version check of `npm run demo`, made before anything is installed or built: on an older Node the
// install or the dialer fails later with errors that do not say why (bson 7 and node:crypto's hash() need
// 20.19). The required version is package.json's engines.node. Plain Node, no dependencies; the same check in
// the dialer itself is packages/cli/src/node-version.ts.

/** [major, minor, patch] of "20.19", "v20.18.1", ">=20.19"; undefined when there is no version in it. */
function parse(version) {
  const m = /^\s*(?:>=\s*)?v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version);
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

/**
 * Why Node `running` (process.versions.node) is older than `required` (engines.node, ">=20.19"), naming the
 * required version; undefined when it is recent enough (or either is not a version: then Node decides).
 */
export function nodeVersionProblem(running, required) {
  const have = parse(running);
  const need = parse(required);
  if (!have || !need) return undefined;
  for (let i = 0; i < 3; i++) {
    if (have[i] > need[i]) return undefined;
    if (have[i] < need[i]) {
      const wanted = required.replace(/^\s*>=\s*/, '').trim();
      return `Node ${running} is too old: the dialer needs Node ${wanted} or newer (engines.node "${required}" in package.json); install a newer Node from https://nodejs.org`;
    }
  }
  return undefined;
}
