-- POST /matches with a fresh matchId every request and 4 distinct seeded players, signed with the
-- match signing key in LEADERBOARD_SIGNING_KEY; must answer 202.
--   wrk -t2 -c16 -d10s -s bench/wrk/submit_match.lua http://127.0.0.1:PORT -- PLAYERS_FILE BOARD RUN_ID
-- PLAYERS_FILE holds one player id a line (LeaderboardBench seed writes it). RUN_ID keeps match ids
-- unique across runs and warm-ups against the same table.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
local match_signature = dofile(here .. "match_signature.lua")

expected_status = 202

local players = {}
local board, run_id, signing_key
local sequence = 0
local per_match = 4

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then players[#players + 1] = line end
  end
  board = args[2] or "hot"
  run_id = args[3] or tostring(os.time())
  signing_key = os.getenv("LEADERBOARD_SIGNING_KEY")
  assert(signing_key and #signing_key > 0, "LEADERBOARD_SIGNING_KEY is not set: the match signing key the AppHost runs with")
  math.randomseed(os.time() * 100 + thread_number)
  wrk.method = "POST"
  wrk.path = "/matches"
  wrk.headers["Content-Type"] = "application/json"
end

local function pick()
  local picked, seen = {}, {}
  while #picked < per_match do
    local id = players[math.random(#players)]
    if not seen[id] then
      seen[id] = true
      picked[#picked + 1] = id
    end
  end
  return picked
end

function request()
  sequence = sequence + 1
  local results = {}
  for slot, id in ipairs(pick()) do
    results[slot] = string.format('{"playerId":"%s","score":%d,"outcome":"%s"}',
      id, math.random(0, 1000), slot == 1 and "win" or "loss")
  end
  local body = string.format('{"matchId":"wrk-%s-%d-%d","boardId":"%s","results":[%s]}',
    run_id, thread_number, sequence, board, table.concat(results, ","))
  wrk.headers["X-Leaderboard-Signature"] = match_signature.sign(signing_key, body)
  return wrk.format(nil, nil, nil, body)
end
