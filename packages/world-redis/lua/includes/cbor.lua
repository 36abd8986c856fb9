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
  end
  return string.char(
    base + 26,
    math.floor(length / 16777216) % 256,
    math.floor(length / 65536) % 256,
    math.floor(length / 256) % 256,
    length % 256
  )
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
