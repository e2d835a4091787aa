// Types for build-stamp.js (plain JavaScript so that bin/samsa.js loads it without type stripping).
export declare const STAMP_FILE: string
export declare function currentStamp(root: string): string
export declare function distIsFresh(root: string): boolean
