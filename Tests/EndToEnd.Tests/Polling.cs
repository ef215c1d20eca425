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
}
