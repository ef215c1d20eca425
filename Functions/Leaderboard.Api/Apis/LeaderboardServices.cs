using Leaderboard.Core;

namespace Leaderboard.Api.Apis;

/// <summary>What the handlers need, bundled for <c>[AsParameters]</c>.</summary>
public sealed record LeaderboardServices(
    PlayerRepository Players,
    MatchRepository Matches,
    StandingsRepository Standings,
    TimeProvider Clock);
