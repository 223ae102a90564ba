// IP binding of a token (the seed's "IP" claim): a CIDR or a single address, checked against the
// client address the gateway saw. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) count as IPv4.
import { BlockList, isIP } from "node:net";

export interface IpBinding {
  /** Canonical text, as stored in the token's `ip` claim. */
  readonly text: string;
  contains(address: string): boolean;
}

function unmap(address: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m ? (m[1] as string) : address;
}

/** Parses "10.0.0.0/8", "192.0.2.7", "2001:db8::/32"; null when not well formed. */
export function parseIpBinding(text: string): IpBinding | null {
  if (text.length > 64) return null;
  const slash = text.indexOf("/");
  const addr = unmap(slash < 0 ? text : text.slice(0, slash));
  const family = isIP(addr);
  if (family === 0) return null;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    if (prefix > max) return null;
  }
  const type = family === 4 ? "ipv4" : "ipv6";
  const list = new BlockList();
  list.addSubnet(addr, prefix, type);
  return {
    text: `${addr}/${prefix}`,
    contains(address: string): boolean {
      const a = unmap(address);
      const f = isIP(a);
      if (f === 0) return false;
      try {
        return list.check(a, f === 4 ? "ipv4" : "ipv6");
      } catch {
        return false;
      }
    },
  };
}
