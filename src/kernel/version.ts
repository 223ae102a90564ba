// The running version, reported by /_rampart/health and `rampart --version`.
export const VERSION = "0.1.0";
