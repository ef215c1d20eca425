namespace AppHost.Emulators.Sqs;

/// <summary>Where the SQS emulator listens, the region in its ARNs, and where it keeps its queues (in memory, or on disk).</summary>
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

    /// <summary>Where queues live; when not set, on disk in <see cref="DataDirectory"/>, or in memory without one.</summary>
    public IQueueStore? Store { get; set; }

    /// <summary>
    /// The folder of the queues' journal: queues and messages survive the emulator's process, a kill included.
    /// Null keeps them in memory for as long as the emulator runs.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>Waits for the disk on every change too (survives a power loss, at a cost per request); off by default.</summary>
    public bool FlushToDisk { get; set; }

    /// <summary>The journal's size at which it is rewritten as the live state alone (it also is at every start).</summary>
    public long CompactJournalAtBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Where the emulator says what it restored, or left out of a damaged journal.</summary>
    public Action<string>? Log { get; set; }
}
