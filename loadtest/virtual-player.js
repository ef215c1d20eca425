'use strict';

// The token every virtual player sends with its matches: LEADERBOARD_TOKEN when set (a deployed
// stack's issuer), else a development token from the local gateway's issuer, fetched once per worker.
let token;

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
  context.vars.token = token;
}

// A match the player wins against its rival, with a fresh id and integer scores.
function matchAgainstRival(requestParams, context, events, next) {
  const score = Math.floor(Math.random() * 1000);
  requestParams.json = {
    matchId: `${context.vars.player}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`.slice(0, 64),
    boardId: context.vars.board,
    results: [
      { playerId: context.vars.player, score: score + 1, outcome: 'win' },
      { playerId: context.vars.rival, score, outcome: 'loss' },
    ],
  };
  return next();
}

module.exports = { authorize, matchAgainstRival };
