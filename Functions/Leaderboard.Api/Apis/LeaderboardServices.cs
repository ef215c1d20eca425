using Leaderboard.Core;
using Microsoft.AspNetCore.Mvc;

namespace Leaderboard.Api.Apis;

/// <summary>
/// What the handlers need, bundled for <c>[AsParameters]</c>. Each is marked as a service: the request
/// delegate generator cannot know at build time that they are registered, and would otherwise bind them
/// from the body when they are not — which made a <c>GET</c> with a non-JSON <c>Content-Type</c> answer 415.
/// </summary>
public sealed record LeaderboardServices(
    [FromServices] PlayerRepository Players,
    [FromServices] MatchRepository Matches,
    [FromServices] StandingsRepository Standings,
    [FromServices] TimeProvider Clock);
