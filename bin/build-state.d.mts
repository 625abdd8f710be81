// Types of bin/build-state.mjs (plain JavaScript, so that the launcher needs no loader).
export declare const SOURCES: string[];
export declare function sourceHash(root: string): string;
export declare function buildInfo(root: string): { sourceHash: string; builtAt: string; node: string } | undefined;
export declare function buildState(root: string): 'current' | 'stale' | 'absent';
