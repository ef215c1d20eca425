namespace AppHost.Emulators.Sqs;

/// <summary>Where the SQS emulator listens, the region in its ARNs, and where it keeps its queues.</summary>
public sealed class SqsOptions
{
    /// <summary>The account every local queue belongs to.</summary>
    public const string AccountId = "000000000000";

    /// <summary>The loopback port (9324, the one local-SQS users know; 0 picks a free one).</summary>
    public int Port { get; set; } = 9324;

    /// <summary>The region in queue ARNs (<c>arn:aws:sqs:{region}:000000000000:{name}</c>).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>The clock for timestamps, delays, visibility timeouts and retention (tests may replace it).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Where queues live; a fresh <see cref="InMemoryQueueStore"/> when not set.</summary>
    public IQueueStore? Store { get; set; }
}
