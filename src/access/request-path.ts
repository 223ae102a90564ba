// Request paths as the route map sees them: percent-decoded once, and refused (null, so 404)
// whenever the upstream might route the request somewhere the route map did not: dot segments
// ("..", "%2e%2e"), encoded separators ("%2F", "%5C"), an encoded "%" (double decoding),
// empty interior segments ("//"), backslashes, control characters, malformed escapes or UTF-8.
// Matching is then case-sensitive, on exactly the path the upstream will see after decoding.
// (RFC 3986 section 2.1 percent-encoding, section 5.2.4 dot segments.)

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Bytes that must not appear decoded from an escape: separators, "%", controls. */
function isForbiddenEscape(byte: number): boolean {
  return byte < 0x20 || byte === 0x7f || byte === 0x2f || byte === 0x5c || byte === 0x25;
}

/**
 * The decoded path of a request target (a query string or fragment is cut off), or null when the
 * path is not acceptable. A trailing slash is kept: "/rolls/" is not "/rolls".
 */
export function decodeRequestPath(target: string): string | null {
  let end = target.length;
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 63 || c === 35) {
      end = i; // "?" or "#"
      break;
    }
  }
  if (end === 0 || target.charCodeAt(0) !== 47) return null;
  let escaped = false;
  for (let i = 0; i < end; i++) {
    const c = target.charCodeAt(i);
    if (c === 37) {
      if (i + 2 >= end) return null;
      const hi = hexValue(target.charCodeAt(i + 1));
      const lo = hexValue(target.charCodeAt(i + 2));
      if (hi < 0 || lo < 0 || isForbiddenEscape(hi * 16 + lo)) return null;
      escaped = true;
      i += 2;
    } else if (c <= 0x20 || c >= 0x7f || c === 0x5c) {
      return null; // controls, space, non-ASCII, backslash: never in a well-formed target
    }
  }
  let path = target.slice(0, end);
  if (escaped) {
    try {
      path = decodeURIComponent(path);
    } catch {
      return null; // escapes that are not UTF-8
    }
  }
  return hasOnlyPlainSegments(path) ? path : null;
}

/** No empty interior segment and no "." or ".." segment. */
function hasOnlyPlainSegments(path: string): boolean {
  let segStart = 1;
  for (let i = 1; i <= path.length; i++) {
    if (i < path.length && path.charCodeAt(i) !== 47) continue;
    const len = i - segStart;
    if (len === 0 && i < path.length) return false;
    if (
      path.charCodeAt(segStart) === 46 &&
      (len === 1 || (len === 2 && path.charCodeAt(segStart + 1) === 46))
    ) {
      return false;
    }
    segStart = i + 1;
  }
  return true;
}
