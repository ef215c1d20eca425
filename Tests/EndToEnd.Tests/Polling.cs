using System.Diagnostics;

namespace EndToEnd.Tests;

internal static class Polling
{
    /// <summary>Polls until the condition holds; false when it still does not after the timeout.</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(100);
        }
        return await condition();
    }

    /// <summary>Polls until the function returns a value; null when it still returns none after the timeout.</summary>
    public static async Task<T?> UntilValueAsync<T>(Func<Task<T?>> value, TimeSpan timeout)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await value() is { } found)
            {
                return found;
            }
            await Task.Delay(100);
        }
        return await value();
    }
}
