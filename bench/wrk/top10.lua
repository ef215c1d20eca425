-- GET /leaderboards/{boardId}?limit=10 (the URL carries the board and the limit); must answer 200.
--   wrk -t2 -c16 -d10s -s bench/wrk/top10.lua 'http://127.0.0.1:PORT/leaderboards/hot?limit=10'
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

expected_status = 200
