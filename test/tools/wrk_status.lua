-- test/tools/wrk_status.lua - a wrk script that counts what every response said.
--
--   wrk ... -s test/tools/wrk_status.lua URL -- [close|keep] [DELAY_MS]
--
-- close (default): every request carries "Connection: close", so every request is a new
-- TCP connection with a SYN of its own (what a fingerprint check needs); keep: wrk's
-- usual keep-alive.  DELAY_MS (default 0): each connection waits that long before its
-- next request, which bounds the load on a shared machine.
--
-- At the end it prints one line per status code and one summary line, both easy to read
-- from a shell:
--   status 200 12345
--   wrk requests=12350 connect=0 read=0 write=0 timeout=0 status=5
-- requests: responses wrk completed; connect/read/write/timeout: wrk's socket errors;
-- status: responses with a status of 400 or more (wrk's own count).

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

local pause = 0

function init(args)
	counts = {}
	if args[1] ~= "keep" then
		wrk.headers["Connection"] = "close"
	end
	pause = tonumber(args[2] or "0") or 0
end

function delay()
	return pause
end

function response(status)
	counts[status] = (counts[status] or 0) + 1
end

function done(summary)
	local total = {}
	for _, t in ipairs(threads) do
		for code, n in pairs(t:get("counts") or {}) do
			total[code] = (total[code] or 0) + n
		end
	end
	local codes = {}
	for code in pairs(total) do
		table.insert(codes, code)
	end
	table.sort(codes)
	for _, code in ipairs(codes) do
		io.write(string.format("status %d %d\n", code, total[code]))
	end
	local e = summary.errors
	io.write(string.format("wrk requests=%d connect=%d read=%d write=%d timeout=%d status=%d\n",
		summary.requests, e.connect, e.read, e.write, e.timeout, e.status))
end
