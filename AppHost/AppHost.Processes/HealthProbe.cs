namespace AppHost.Processes;

/// <summary>Waits until an HTTP health endpoint answers 2xx.</summary>
public static class HealthProbe
{
    /// <summary>
    /// Polls <paramref name="healthUrl"/> until it answers with success; fails when
    /// <paramref name="exited"/> completes first (the process died) or after <paramref name="timeout"/>.
    /// </summary>
    public static async Task WaitUntilHealthyAsync(
        Uri healthUrl, Task<int> exited, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (exited.IsCompleted)
            {
                throw new InvalidOperationException($"The process behind {healthUrl} exited with code {exited.Result} before it was healthy.");
            }
            try
            {
                using var response = await http.GetAsync(healthUrl, deadline.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
            {
                // This attempt timed out; try again.
            }
            await Task.Delay(100, deadline.Token);
        }
    }
}
