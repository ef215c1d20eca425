using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Leaderboard.Core;

/// <summary>
/// Primes the data layer during Lambda's init phase: reads of a board and a player that never exist
/// (a query, a batch read) and a transaction that applies a match that never exists (refused, so
/// nothing is written), through the same repositories and DynamoDB client the handlers use. The first call of a
/// process pays for loading and compiling the AWS SDK's client pipeline, signing and marshalling
/// (about 0.4 s on a quiet core, seconds on a busy one); paid here, it is part of the init, which no
/// request waits for, instead of the first request's latency. Outside Lambda (no
/// <c>AWS_LAMBDA_RUNTIME_API</c>) it does nothing. A data store that does not answer within
/// <see cref="Limit"/> only costs that time: priming never fails the init.
/// </summary>
internal sealed partial class DataStorePriming(
    IConfiguration configuration, StandingsRepository standings, PlayerRepository players, MatchRepository matches, ILogger<DataStorePriming> logger) : IHostedService
{
    /// <summary>The board and player read: ids the API refuses (they contain '!'), so no real data matches them.</summary>
    private const string PrimingId = "priming!";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(configuration["AWS_LAMBDA_RUNTIME_API"]))
        {
            return;
        }
        // An unsampled parent: the SDK's and HttpClient's spans of these reads follow it and are not
        // recorded, so priming leaves no traces in the dashboard or X-Ray.
        using var unsampled = new Activity("data-store priming") { ActivityTraceFlags = ActivityTraceFlags.None }.Start();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit);
        try
        {
            await standings.GetTopAsync(PrimingId, 1, limit.Token);
            await players.GetWithStatsAsync(PrimingId, limit.Token);
            await players.GetManyAsync([PrimingId], limit.Token);
            await standings.ApplyMatchesAsync([new MatchTotals(PrimingId, [], matches.ProcessedUpdate(PrimingId))], limit.Token);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogPrimingFailed(exception.GetType().Name, exception.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The data store could not be primed during init ({ErrorType}: {ErrorMessage}); the first request pays for it")]
    private partial void LogPrimingFailed(string errorType, string errorMessage);
}
