-- recvdel.lua — ReceiveMessage (10 at a time) and a DeleteMessage for every
-- message received. The receives are a replayed signed request; each delete
-- names a receipt handle only known from an earlier response, so it is
-- signed here (SigV4 with the signing key sign.py derived; sha256.lua).
-- A thread's connections share its list of handles to delete.
package.path = os.getenv("SQS_BENCH_DIR") .. "/?.lua;" .. package.path
local sha = require("sha256")
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]
local function now()
  local ts = ffi.new("bench_timespec")
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end
local cfg = dofile(os.getenv("SQS_BENCH_CFG"))

local function unhex(h)
  return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end))
end
local signing_key = unhex(cfg.signing_key_hex)
local scope = cfg.date .. "/" .. cfg.region .. "/sqs/aws4_request"
local ctype = "application/x-www-form-urlencoded; charset=utf-8"

local function urlenc(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local pending = {}
-- globals: done() reads them with thread:get. first/last: when this thread saw
-- its first answer and its last delete, so a queue drained before the end of
-- the run is measured over the time it took, not the whole run.
deleted, receives, empty, first, last = 0, 0, 0, 0, 0
local recv_req

local function delete_request(handle)
  local body = "Action=DeleteMessage&Version=2012-11-05&QueueUrl=" .. cfg.queue_url_enc ..
               "&ReceiptHandle=" .. urlenc(handle)
  local amzdate = os.date("!%Y%m%dT%H%M%SZ")
  local canonical = "POST\n/\n\ncontent-type:" .. ctype .. "\nhost:" .. cfg.host .. "\nx-amz-date:" .. amzdate ..
                    "\n\ncontent-type;host;x-amz-date\n" .. sha.sha256_hex(body)
  local sts = "AWS4-HMAC-SHA256\n" .. amzdate .. "\n" .. scope .. "\n" .. sha.sha256_hex(canonical)
  local sig = sha.hex(sha.hmac(signing_key, sts))
  return wrk.format("POST", "/", {
    ["Content-Type"] = ctype,
    ["Host"] = cfg.host,
    ["X-Amz-Date"] = amzdate,
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=" .. cfg.key .. "/" .. scope ..
                        ", SignedHeaders=content-type;host;x-amz-date, Signature=" .. sig,
  }, body)
end

function init(args)
  recv_req = wrk.format("POST", "/", cfg.recv.headers, cfg.recv.body)
end

function request()
  local h = table.remove(pending)
  if h then return delete_request(h) end
  return recv_req
end

function response(status, headers, body)
  if first == 0 then first = now() end
  if status ~= 200 then return end
  if body:find("<DeleteMessageResponse", 1, true) then
    deleted = deleted + 1
    last = now()
    return
  end
  receives = receives + 1
  local n = 0
  for h in body:gmatch("<ReceiptHandle>(.-)</ReceiptHandle>") do
    pending[#pending + 1] = h
    n = n + 1
  end
  if n == 0 then empty = empty + 1 end
end

local threads = {}
function setup(thread) threads[#threads + 1] = thread end

function done(summary, latency, requests)
  local d, r, e, t0, t1 = 0, 0, 0, math.huge, 0
  for _, t in ipairs(threads) do
    d = d + t:get("deleted")
    r = r + t:get("receives")
    e = e + t:get("empty")
    local f, l = t:get("first"), t:get("last")
    if f > 0 and f < t0 then t0 = f end
    if l > t1 then t1 = l end
  end
  local secs = summary.duration / 1e6
  -- drained (receives came back empty): over the time to the last delete;
  -- otherwise over the whole run
  if e > 0 and t1 > t0 then secs = t1 - t0 end
  io.write(string.format("RESULT deleted=%d receives=%d empty_receives=%d seconds=%.2f msgs_per_s=%.1f\n",
                         d, r, e, secs, d / secs))
end
