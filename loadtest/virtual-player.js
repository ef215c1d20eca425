'use strict';

const { execFileSync } = require('node:child_process');
const { createHmac } = require('node:crypto');
const path = require('node:path');

// The token every virtual player sends with its matches: LEADERBOARD_TOKEN when set (a deployed
// stack's issuer), else a development token from the local gateway's issuer, fetched once per worker.
let token;

// The key game servers sign match results with: LEADERBOARD_SIGNING_KEY when set (a deployed stack's
// secret, or the key a bench script gave the AppHost), else, against the local stack, the AppHost's
// own key from its user secrets (Parameters:match-signing-key). Read once per worker.
let signingKey;

async function authorize(context) {
  if (!token) {
    token = process.env.LEADERBOARD_TOKEN;
  }
  if (!token) {
    const response = await fetch(new URL('/_auth/dev-token?scope=matches:write', context.vars.target));
    if (!response.ok) {
      throw new Error(`no development token from ${context.vars.target}: ${response.status}; set LEADERBOARD_TOKEN`);
    }
    token = (await response.json()).accessToken;
  }
  if (!signingKey) {
    signingKey = process.env.LEADERBOARD_SIGNING_KEY || localSigningKey(context.vars.target);
  }
  context.vars.token = token;
}

function localSigningKey(target) {
  const { hostname } = new URL(target);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) {
    throw new Error(`no match signing key for ${target}: set LEADERBOARD_SIGNING_KEY to the stack's match-signing-key secret`);
  }
  const secrets = execFileSync('dotnet', ['user-secrets', 'list', '--project', path.join(__dirname, '..', 'AppHost', 'AppHost')], { encoding: 'utf8' });
  const key = secrets.match(/^Parameters:match-signing-key = (.*)$/m)?.[1];
  if (!key) {
    throw new Error('no match signing key: set LEADERBOARD_SIGNING_KEY to the key the AppHost was started with (Parameters:match-signing-key)');
  }
  return key;
}

// X-Leaderboard-Signature: the HMAC-SHA256 of the exact body bytes with the match signing key.
function matchSignature(body) {
  return `sha256=${createHmac('sha256', signingKey).update(body, 'utf8').digest('hex')}`;
}

// A match the player wins against its rival, with a fresh id and integer scores, sent as the exact
// JSON text it signs.
function matchAgainstRival(requestParams, context, events, next) {
  const score = Math.floor(Math.random() * 1000);
  const body = JSON.stringify({
    matchId: `${context.vars.player}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`.slice(0, 64),
    boardId: context.vars.board,
    results: [
      { playerId: context.vars.player, score: score + 1, outcome: 'win' },
      { playerId: context.vars.rival, score, outcome: 'loss' },
    ],
  });
  requestParams.body = body;
  requestParams.headers = {
    ...requestParams.headers,
    'content-type': 'application/json',
    'x-leaderboard-signature': matchSignature(body),
  };
  return next();
}

module.exports = { authorize, matchAgainstRival };
