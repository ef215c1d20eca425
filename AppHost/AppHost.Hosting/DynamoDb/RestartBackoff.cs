namespace AppHost.Hosting;

/// <summary>What follows an unexpected exit: a restart after <see cref="Delay"/>, or giving up.</summary>
public readonly record struct RestartDecision(bool GiveUp, TimeSpan Delay, int RecentExits);

/// <summary>
/// The backoff of a supervised process: the first unexpected exit restarts it at once, each further
/// exit within <see cref="Window"/> waits twice as long (up to <see cref="LongestDelay"/>), and more
/// than <see cref="MaxExits"/> exits within the window is a crash loop: give up.
/// </summary>
public sealed class RestartBackoff
{
    private readonly Queue<DateTimeOffset> _exits = new();

    public int MaxExits { get; init; } = 5;

    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan LongestDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Records an unexpected exit at <paramref name="at"/> and decides what follows it.</summary>
    public RestartDecision OnUnexpectedExit(DateTimeOffset at)
    {
        _exits.Enqueue(at);
        while (_exits.Peek() < at - Window)
        {
            _exits.Dequeue();
        }
        var recent = _exits.Count;
        if (recent > MaxExits)
        {
            return new RestartDecision(GiveUp: true, TimeSpan.Zero, recent);
        }
        var delay = recent == 1
            ? TimeSpan.Zero
            : TimeSpan.FromTicks(Math.Min(FirstDelay.Ticks << (recent - 2), LongestDelay.Ticks));
        return new RestartDecision(GiveUp: false, delay, recent);
    }

    /// <summary>Forgets past exits (the process was started again by hand).</summary>
    public void Reset() => _exits.Clear();
}
