// The types of node-version.mjs (plain JavaScript: it runs before anything is installed or built).

/**
 * Why Node `running` (process.versions.node) is older than `required` (engines.node, ">=20.19"), naming the
 * required version; undefined when it is recent enough (or either is not a version: then Node decides).
 */
export function nodeVersionProblem(running: string, required: string): string | undefined;
