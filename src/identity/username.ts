// Usernames are compared after Unicode NFKC normalisation and case folding (UTS #39's advice for
// identifiers), so "Admin", "ＡＤＭＩＮ" and "admin" are one account. JavaScript has no full case
// fold; upper- then lower-casing folds what matters here (ß → ss, Σ/σ/ς → σ), then NFKC again.
import { usernameInvalid } from "./errors.js";

const USERNAME = /^[\p{L}\p{N}][\p{L}\p{N}._@-]{0,63}$/u;

export function foldUsername(name: string): string {
  return name.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");
}

/** Validates and returns the NFKC form to store for display. */
export function normalizeUsername(name: string): string {
  const n = name.normalize("NFKC");
  if (!USERNAME.test(n))
    throw usernameInvalid("1-64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit");
  return n;
}
