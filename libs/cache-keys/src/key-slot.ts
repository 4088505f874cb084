/** Number of hash slots in a Redis Cluster. */
export const CLUSTER_SLOT_COUNT = 16384;

// CRC16/XMODEM (poly 0x1021, init 0), the checksum Redis Cluster uses for key slots.
const CRC16_TABLE: readonly number[] = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit += 1) {
    crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
});

const utf8 = new TextEncoder();

/** CRC16/XMODEM of the UTF-8 bytes of `text` (the bytes ioredis sends for a string key). */
export function crc16(text: string): number {
  let crc = 0;
  for (const byte of utf8.encode(text)) {
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0);
  }
  return crc;
}

/**
 * The part of `key` that Redis Cluster hashes: the content of the first `{...}` when that content
 * is not empty, otherwise the whole key. `{` and `}` are ASCII, so finding them in the JS string is
 * the same as finding them in the UTF-8 bytes.
 */
export function hashedPartOf(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/** The hash slot of `key`, exactly as `CLUSTER KEYSLOT` computes it. */
export function keySlot(key: string): number {
  return crc16(hashedPartOf(key)) % CLUSTER_SLOT_COUNT;
}
