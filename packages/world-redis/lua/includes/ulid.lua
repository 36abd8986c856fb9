-- ULIDs on the append clock: Crockford base32, 10 characters of epoch milliseconds followed by
-- 16 characters of randomness. Event ids increase strictly within a run: within one millisecond
-- (or when the clock stepped back) the random part counts up from the previous id.

local CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

-- The value of one base32 digit (a plain search: cheaper than building a lookup table on every
-- call, which is what a script's top-level code costs).
local function crockford_value(digit)
  return string.find(CROCKFORD, digit, 1, true) - 1
end

local function ulid_encode_time(ms)
  local out = {}
  for i = 10, 1, -1 do
    local digit = ms % 32
    out[i] = string.sub(CROCKFORD, digit + 1, digit + 1)
    ms = (ms - digit) / 32
  end
  return table.concat(out)
end

local function ulid_decode_time(ulid)
  local ms = 0
  for i = 1, 10 do
    ms = ms * 32 + crockford_value(string.sub(ulid, i, i))
  end
  return ms
end

-- The base32 string plus one, or nil when every digit is already Z.
local function ulid_increment(digits)
  for i = #digits, 1, -1 do
    local value = crockford_value(string.sub(digits, i, i))
    if value < 31 then
      return string.sub(digits, 1, i - 1) .. string.sub(CROCKFORD, value + 2, value + 2) ..
        string.rep('0', #digits - i)
    end
  end
  return nil
end

-- The id after previous_id (or the first one): time = max(now, previous time). Returns the id and
-- its time in milliseconds.
local function next_event_id(previous_id, now, random_part)
  if previous_id then
    local previous = string.sub(previous_id, -26)
    local previous_time = ulid_decode_time(previous)
    if now <= previous_time then
      local incremented = ulid_increment(string.sub(previous, 11))
      if incremented then
        return 'evnt_' .. string.sub(previous, 1, 10) .. incremented, previous_time
      end
      return 'evnt_' .. ulid_encode_time(previous_time + 1) .. random_part, previous_time + 1
    end
  end
  return 'evnt_' .. ulid_encode_time(now) .. random_part, now
end

-- Slot event ids (runs of spec >= RULE_SPEC_VERSION_SLOT_IDS): 'evnt_' and the event's dense
-- 1-based position in its run, zero-padded to 26 digits so that ids sort as their slots do.
local function next_slot_event_id(previous_id)
  local slot = previous_id and tonumber(string.sub(previous_id, 6)) or 0
  return string.format('evnt_%026d', slot + 1)
end
