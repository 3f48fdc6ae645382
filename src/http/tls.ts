import { readFileSync } from 'node:fs';
import { BlockList, isIPv6 } from 'node:net';
import { ReadfirstError } from '../core/errors.ts';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
}

/** Reads configured PEM files; undefined when TLS is off (no certificate configured). */
export function readTls(files: TlsFiles, what: string): TlsMaterial | undefined {
  if (!files.certFile && !files.keyFile) return undefined;
  try {
    return {
      key: readFileSync(files.keyFile),
      cert: readFileSync(files.certFile),
      ...(files.caFile ? { ca: readFileSync(files.caFile) } : {}),
    };
  } catch (e) {
    throw new ReadfirstError('config', `${what}: cannot read the TLS files: ${(e as Error).message}`);
  }
}

/** The `https` option of the HTTP server from `http.tls`. */
export function httpsOptions(config: { http: { tls: TlsFiles } }): { https?: TlsMaterial } {
  const tls = readTls(config.http.tls, 'http.tls');
  return tls ? { https: tls } : {};
}

/**
 * An allow-list of source addresses and CIDR ranges (`10.1.0.0/16`, `::1`). Empty allows any.
 * IPv4-mapped IPv6 addresses (`::ffff:10.1.2.3`) are checked as IPv4.
 */
export function addressAllowList(entries: readonly string[]): (address: string | undefined) => boolean {
  if (entries.length === 0) return () => true;
  const list = new BlockList();
  for (const e of entries) {
    const [addr = '', bits] = e.split('/');
    const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
    try {
      if (bits === undefined) list.addAddress(addr, type);
      else list.addSubnet(addr, Number(bits), type);
    } catch {
      throw new ReadfirstError('config', `not an address or CIDR range: ${e}`);
    }
  }
  return (address) => {
    if (!address) return false;
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (v4) return list.check(v4, 'ipv4');
    return list.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
  };
}
