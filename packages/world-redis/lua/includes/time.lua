-- The server clock in epoch milliseconds: one clock for every process sharing the server.
local function server_now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local function ms_string(ms)
  return string.format('%.0f', ms)
end
