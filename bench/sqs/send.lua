-- send.lua — wrk replays one signed SendMessage (SigV4 accepts a replay
-- within its 15-minute window); each 200 is one message stored.
local cfg = dofile(os.getenv("SQS_BENCH_CFG"))
wrk.method = "POST"
wrk.body = cfg.send.body
wrk.headers = cfg.send.headers
