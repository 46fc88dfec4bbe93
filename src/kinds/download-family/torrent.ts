import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Test fixtures for the real download clients: a single-file .torrent of a local file with no tracker
 * (no `announce`) and `private: 1` (BEP 27: no DHT/PEX/LSD for it), so adding it never leaves loopback; and a
 * tiny NZB whose server is never reached (the usenet clients get no news server configured).
 */

type Bencodable = number | string | Buffer | Bencodable[] | { [key: string]: Bencodable };

export function bencode(v: Bencodable): Buffer {
  if (typeof v === "number") return Buffer.from(`i${Math.trunc(v)}e`);
  if (typeof v === "string" || Buffer.isBuffer(v)) {
    const b = Buffer.isBuffer(v) ? v : Buffer.from(v, "utf8");
    return Buffer.concat([Buffer.from(`${b.length}:`), b]);
  }
  if (Array.isArray(v)) return Buffer.concat([Buffer.from("l"), ...v.map(bencode), Buffer.from("e")]);
  // Dictionary keys sorted as raw strings (BEP 3).
  const keys = Object.keys(v).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return Buffer.concat([Buffer.from("d"), ...keys.flatMap((k) => [bencode(k), bencode(v[k]!)]), Buffer.from("e")]);
}

export interface TorrentFixture {
  /** The .torrent file's bytes. */
  torrent: Buffer;
  /** v1 info-hash, lowercase hex (what qBittorrent, Transmission and Deluge use as id). */
  infoHash: string;
  name: string;
  size: number;
  /** The data file, inside `dir`. */
  file: string;
}

/** Writes `size` random bytes to `dir/name` and builds the matching torrent. */
export function makeTorrent(dir: string, name: string, size = 64 * 1024): TorrentFixture {
  const data = crypto.randomBytes(size);
  const file = path.join(dir, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, data);
  const pieceLength = 16 * 1024;
  const pieces: Buffer[] = [];
  for (let off = 0; off < size; off += pieceLength) pieces.push(crypto.createHash("sha1").update(data.subarray(off, off + pieceLength)).digest());
  const info = { length: size, name, "piece length": pieceLength, pieces: Buffer.concat(pieces), private: 1 };
  const torrent = bencode({ info, "created by": "patchbay tests", "creation date": 1_700_000_000 });
  return { torrent, infoHash: crypto.createHash("sha1").update(bencode(info)).digest("hex"), name, size, file };
}

/** A minimal NZB (newzbin DTD 1.1) with one file of one segment. */
export function makeNzb(name: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE nzb PUBLIC "-//newzBin//DTD NZB 1.1//EN" "http://www.newzbin.com/DTD/nzb/nzb-1.1.dtd">
<nzb xmlns="http://www.newzbin.com/DTD/2003/nzb">
  <head><meta type="title">${name}</meta></head>
  <file poster="tests@patchbay.invalid" date="1700000000" subject="&quot;${name}.bin&quot; yEnc (1/1)">
    <groups><group>alt.binaries.test</group></groups>
    <segments><segment bytes="102400" number="1">${name}-part1@patchbay.invalid</segment></segments>
  </file>
</nzb>
`;
}
