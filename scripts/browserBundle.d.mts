/** Types of scripts/browserBundle.mjs (see there). */
export declare const PACKAGES: readonly string[];
export declare function browserBundleProblems(
  name: string,
  options?: { resolveDir?: string; alias?: Record<string, string> },
): Promise<string[]>;
export declare function nodeImportProblems(srcDir: string): string[];
export declare function sourceAliases(root: string): Record<string, string>;
