-- The signature of a match result, for the wrk scripts that post matches (wrk runs LuaJIT, which has
-- its bit operations but no cryptography): "sha256=" and the lowercase hex HMAC-SHA256 (RFC 2104 over
-- FIPS 180-4's SHA-256) of the exact body with the match signing key, as `openssl dgst -sha256 -hmac` prints it.
--   local match_signature = dofile(here .. "match_signature.lua")
--   wrk.headers["X-Leaderboard-Signature"] = match_signature.sign(key, body)
local bit = require("bit")
local band, bor, bxor, bnot, rshift, lshift, ror, tobit = bit.band, bit.bor, bit.bxor, bit.bnot, bit.rshift, bit.lshift, bit.ror, bit.tobit

-- The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
local K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

-- The first 32 bits of the fractional parts of the square roots of the first 8 primes.
local INITIAL = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }

local function big_endian(value)
  return string.char(band(rshift(value, 24), 0xff), band(rshift(value, 16), 0xff), band(rshift(value, 8), 0xff), band(value, 0xff))
end

-- The message, a 1 bit, zeros, and its length in bits (64 bits, big-endian): a whole number of 64-byte blocks.
local function pad(message)
  local bits = #message * 8
  local zeros = (55 - #message) % 64
  return message .. "\128" .. string.rep("\0", zeros) .. big_endian(math.floor(bits / 4294967296)) .. big_endian(bits % 4294967296)
end

local function compress(hash, block, first)
  local w = {}
  for j = 1, 16 do
    local a, b, c, d = string.byte(block, first + (j - 1) * 4, first + (j - 1) * 4 + 3)
    w[j] = bor(lshift(a, 24), lshift(b, 16), lshift(c, 8), d)
  end
  for j = 17, 64 do
    local s0 = bxor(ror(w[j - 15], 7), ror(w[j - 15], 18), rshift(w[j - 15], 3))
    local s1 = bxor(ror(w[j - 2], 17), ror(w[j - 2], 19), rshift(w[j - 2], 10))
    w[j] = tobit(w[j - 16] + s0 + w[j - 7] + s1)
  end
  local a, b, c, d, e, f, g, h = hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7], hash[8]
  for j = 1, 64 do
    local s1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
    local choice = bxor(band(e, f), band(bnot(e), g))
    local t1 = tobit(h + s1 + choice + K[j] + w[j])
    local s0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
    local majority = bxor(band(a, b), band(a, c), band(b, c))
    local t2 = tobit(s0 + majority)
    h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + t2)
  end
  hash[1], hash[2], hash[3], hash[4] = tobit(hash[1] + a), tobit(hash[2] + b), tobit(hash[3] + c), tobit(hash[4] + d)
  hash[5], hash[6], hash[7], hash[8] = tobit(hash[5] + e), tobit(hash[6] + f), tobit(hash[7] + g), tobit(hash[8] + h)
end

-- SHA-256 of a string, as 32 raw bytes.
local function sha256(message)
  local padded = pad(message)
  local hash = { unpack(INITIAL) }
  for first = 1, #padded, 64 do
    compress(hash, padded, first)
  end
  local digest = {}
  for i = 1, 8 do
    digest[i] = big_endian(hash[i])
  end
  return table.concat(digest)
end

local function xor_with(key, byte)
  return (key:gsub(".", function(c) return string.char(bxor(c:byte(), byte)) end))
end

local function hmac_sha256(key, message)
  if #key > 64 then key = sha256(key) end
  key = key .. string.rep("\0", 64 - #key)
  return sha256(xor_with(key, 0x5c) .. sha256(xor_with(key, 0x36) .. message))
end

local function sign(key, body)
  return "sha256=" .. (hmac_sha256(key, body):gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

return { sign = sign }
