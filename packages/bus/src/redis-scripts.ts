/**
 * Lua scripts of the Redis Streams event log. Per tenant there are three keys sharing one cluster
 * hash tag: the stream `<prefix>{<tenant>}:events` (field `e` = event JSON, `i` = event id), the
 * hash `<prefix>{<tenant>}:meta` with `epoch` (written into cursors) and `trimmed` (id of the last
 * entry removed by retention), and the hash `<prefix>{<tenant>}:ids` (event id -> stream id of
 * every retained entry, for idempotent appends).
 */

/**
 * Appends events of one or more tenants atomically and publishes one notification per tenant.
 * KEYS: optionally the tenant index first (a sorted set tenant -> ms of its newest entry, written
 * in the same step; ARGV[4] = '1' says it is there), then stream, meta, ids per tenant. ARGV:
 * retention, candidate epoch, channel, index flag, then per tenant: tenantId, count, then `count`
 * pairs of event id and event JSON. Idempotent by event id: an id found in the ids hash (with its
 * entry still in the stream) or earlier in the batch is not added again; it resolves to that
 * entry. The ids hash is pruned of the entries trimmed by this append (read with one XRANGE of
 * at most the number of new events before the XADDs): O(batch) per append, at most `retention`
 * ids per tenant. Returns, per tenant: epoch, the stream id of every event of the batch, and for
 * each one the JSON of the stored event it resolved to ('' when it was added now). Notification
 * (only when something was added):
 * {"t":tenant,"p":epoch,"v":id of the entry before the batch or "","i":[new ids],"e":[new events]}.
 * In a cluster the index lives in another slot: it is written by `INDEX_SCRIPT` instead.
 */
export const APPEND_SCRIPT = `
local retention = tonumber(ARGV[1])
local candidate, channel = ARGV[2], ARGV[3]
local index = nil
local first = 1
if ARGV[4] == '1' then
  index = KEYS[1]
  first = 2
end
local function field(fields, name)
  for j = 1, #fields, 2 do
    if fields[j] == name then return fields[j + 1] end
  end
  return nil
end
local a = 5
local out = {}
for k = first, #KEYS, 3 do
  local stream, meta, idkey = KEYS[k], KEYS[k + 1], KEYS[k + 2]
  local tenant, n = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  local epoch = redis.call('HGET', meta, 'epoch')
  if not epoch then
    epoch = candidate
    redis.call('HSET', meta, 'epoch', epoch)
  end
  -- Per batch position: stream id, JSON of the stored event it resolved to ('' = new). An id
  -- seen earlier in the batch resolves to that occurrence (filled in after the XADDs).
  local sids, jsons, seen, copyOf, given = {}, {}, {}, {}, {}
  local fresh, freshIds, freshEvents = {}, {}, {}
  for i = 1, n do
    local eid, json = ARGV[a], ARGV[a + 1]
    a = a + 2
    if seen[eid] then
      copyOf[i] = seen[eid]
    else
      seen[eid] = i
      given[i] = json
      local sid = redis.call('HGET', idkey, eid)
      local entry = nil
      if sid then entry = redis.call('XRANGE', stream, sid, sid)[1] end
      local stored = entry and field(entry[2], 'e')
      if stored then
        sids[i] = sid
        jsons[i] = stored
      else
        jsons[i] = ''
        fresh[#fresh + 1] = i
        freshIds[#freshIds + 1] = eid
        freshEvents[#freshEvents + 1] = json
      end
    end
  end
  local m = #fresh
  if m > 0 then
    local prev = ''
    local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
    if newest then prev = newest[1] end
    -- The entries this append trims: drop their ids; remember the last one trimmed (an old
    -- entry, or one of this batch).
    local len = redis.call('XLEN', stream)
    local drop = len + m - retention
    local trimmed = nil
    if drop > 0 then
      local gone = redis.call('XRANGE', stream, '-', '+', 'COUNT', math.min(drop, len))
      for g = 1, #gone do
        local gid = field(gone[g][2], 'i')
        if not gid then
          local ok, decoded = pcall(cjson.decode, field(gone[g][2], 'e') or '')
          if ok and type(decoded) == 'table' and type(decoded.id) == 'string' then
            gid = decoded.id
          end
        end
        if gid and redis.call('HGET', idkey, gid) == gone[g][1] then
          redis.call('HDEL', idkey, gid)
        end
      end
      if drop <= len then trimmed = gone[#gone][1] end
    end
    local ids = {}
    for q = 1, m do
      local sid = redis.call('XADD', stream, 'MAXLEN', retention, '*', 'e', freshEvents[q],
        'i', freshIds[q])
      ids[q] = sid
      sids[fresh[q]] = sid
      -- Events of this batch already trimmed by its own later events are not indexed.
      if q > drop - len then redis.call('HSET', idkey, freshIds[q], sid) end
    end
    if drop > len then trimmed = ids[drop - len] end
    if trimmed then redis.call('HSET', meta, 'trimmed', trimmed) end
    if index then
      redis.call('ZADD', index, 'GT', string.match(ids[m], '^(%d+)'), tenant)
    end
    redis.call('PUBLISH', channel, '{"t":' .. cjson.encode(tenant) .. ',"p":"' .. epoch ..
      '","v":"' .. prev .. '","i":["' .. table.concat(ids, '","') .. '"],"e":[' ..
      table.concat(freshEvents, ',') .. ']}')
  end
  for i = 1, n do
    local j = copyOf[i]
    if j then
      sids[i] = sids[j]
      if jsons[j] == '' then jsons[i] = given[j] else jsons[i] = jsons[j] end
    end
  end
  out[#out + 1] = epoch
  out[#out + 1] = sids
  out[#out + 1] = jsons
end
return out
`;

/**
 * Reads a tenant's entries after a cursor. KEYS: stream, meta. ARGV: cursor epoch ('' = from the
 * oldest), cursor stream id, count. Returns {'ok', epoch, entries} | {'unknown_cursor'} |
 * {'cursor_trimmed'}. Rule: ids newer than the newest entry, ids between the oldest and newest
 * that are not entries, and ids between the last trimmed entry and the oldest one are unknown;
 * the last trimmed id itself resumes from the oldest entry; older ids are trimmed. The origin id
 * `0-0` (before every entry) reads from the oldest entry until anything was trimmed.
 */
export const READ_SCRIPT = `
local stream, meta = KEYS[1], KEYS[2]
local cepoch, cid, count = ARGV[1], ARGV[2], tonumber(ARGV[3])
local epoch = redis.call('HGET', meta, 'epoch')
local function range(from)
  if count == 0 then return {} end
  return redis.call('XRANGE', stream, from, '+', 'COUNT', count)
end
local function cmp(x, y)
  local xm, xs = string.match(x, '^(%d+)-(%d+)$')
  local ym, ys = string.match(y, '^(%d+)-(%d+)$')
  xm, xs, ym, ys = tonumber(xm), tonumber(xs), tonumber(ym), tonumber(ys)
  if xm ~= ym then if xm < ym then return -1 else return 1 end end
  if xs ~= ys then if xs < ys then return -1 else return 1 end end
  return 0
end
if cepoch == '' then
  if not epoch then return {'ok', '', {}} end
  return {'ok', epoch, range('-')}
end
if epoch ~= cepoch then return {'unknown_cursor'} end
if cid == '0-0' then
  if redis.call('HEXISTS', meta, 'trimmed') == 1 then return {'cursor_trimmed'} end
  return {'ok', epoch, range('-')}
end
local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
if not newest or cmp(cid, newest[1]) > 0 then return {'unknown_cursor'} end
local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
if cmp(cid, oldest[1]) >= 0 then
  if #redis.call('XRANGE', stream, cid, cid) == 0 then return {'unknown_cursor'} end
  return {'ok', epoch, range('(' .. cid)}
end
local trimmed = redis.call('HGET', meta, 'trimmed')
if not trimmed then return {'unknown_cursor'} end
local c = cmp(cid, trimmed)
if c == 0 then return {'ok', epoch, range('-')} end
if c < 0 then return {'cursor_trimmed'} end
return {'unknown_cursor'}
`;

/**
 * The tenant's epoch, created now (ARGV[1]) when it has none, for its origin cursor. KEYS: meta.
 * The append script keeps an existing epoch, so the origin cursor stays valid for later events.
 */
export const ORIGIN_SCRIPT = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
return epoch
`;

/**
 * Catch-up read for the fan-out after a gap: entries after `afterId` when the epoch is still
 * `epoch` (or `epoch` is '': a tenant discovered after an outage, read from a time bound in
 * whatever epoch it has), else (or when `afterId` is '') from the oldest entry.
 * KEYS: stream, meta. ARGV: epoch, afterId, count. Returns {epoch or '', entries}.
 */
export const CATCH_UP_SCRIPT = `
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then return {'', {}} end
local from = '-'
if (ARGV[1] == '' or epoch == ARGV[1]) and ARGV[2] ~= '' then from = '(' .. ARGV[2] end
return {epoch, redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', ARGV[3])}
`;

/**
 * Cluster mode only: marks tenants as appended to in the tenant index (a sorted set in its own
 * slot) before their appends run, scored with this node's clock in ms. KEYS: index.
 * ARGV: tenant ids. Returns the score.
 */
export const INDEX_SCRIPT = `
local t = redis.call('TIME')
local ms = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
for i = 1, #ARGV do redis.call('ZADD', KEYS[1], 'GT', ms, ARGV[i]) end
return ms
`;
