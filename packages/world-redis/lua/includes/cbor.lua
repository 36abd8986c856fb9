-- The few CBOR shapes a script writes itself (event records it creates on its own, such as
-- hook_conflict): unsigned integers, text strings and maps with text keys. Everything else is
-- encoded by the client and stored as given.

local function cbor_head(major, length)
  local base = major * 32
  if length < 24 then
    return string.char(base + length)
  elseif length < 256 then
    return string.char(base + 24, length)
  elseif length < 65536 then
    return string.char(base + 25, math.floor(length / 256), length % 256)
  elseif length < 4294967296 then
    return string.char(
      base + 26,
      math.floor(length / 16777216) % 256,
      math.floor(length / 65536) % 256,
      math.floor(length / 256) % 256,
      length % 256
    )
  end
  -- 8 bytes (epoch milliseconds): exact, as Lua numbers are for integers below 2^53.
  local bytes = { base + 27 }
  for i = 8, 1, -1 do
    bytes[i + 1] = length % 256
    length = math.floor(length / 256)
  end
  return string.char(unpack(bytes))
end

local function cbor_text(text)
  return cbor_head(3, #text) .. text
end

local function cbor_uint(value)
  return cbor_head(0, value)
end

-- entries: a flat list of text keys and already encoded values.
local function cbor_map(entries)
  local parts = { cbor_head(5, #entries / 2) }
  for i = 1, #entries, 2 do
    parts[#parts + 1] = cbor_text(entries[i])
    parts[#parts + 1] = entries[i + 1]
  end
  return table.concat(parts)
end

-- A map the client encoded, with one more entry at its end. Its head is re-spelt with the new
-- count (cbor-x writes a 16-bit count, 0xb9, whatever the size; the short forms are read too).
-- Every record is a map (encodeRecord, or cbor_map here), so the error cannot be reached.
local function cbor_map_with(map, key, value)
  local head = string.byte(map, 1)
  local count, skip
  if head >= 0xa0 and head < 0xb8 then
    count, skip = head - 0xa0, 1
  elseif head == 0xb8 then
    count, skip = string.byte(map, 2), 2
  elseif head == 0xb9 then
    count, skip = string.byte(map, 2) * 256 + string.byte(map, 3), 3
  else
    error('not a CBOR map: head ' .. head)
  end
  return cbor_head(5, count + 1) .. string.sub(map, skip + 1) .. cbor_text(key) .. value
end
