// Types of build.mjs (plain JavaScript so that it runs before anything is built).
export declare const ROOT: string;
export declare const ENTRIES: Record<string, string>;
export declare function newestSourceMs(root?: string): number;
export declare function staleness(entry: string, root?: string): string | null;
export declare function buildDist(root?: string): Promise<void>;
