
namespace AppHost.Hosting;

/// <summary>
/// How long a check may wait for its resource to become ready before it answers unhealthy. Aspire
/// checks an unhealthy resource again after 1 s, then 2 s, up to 5 s apart: a check that waits for
/// readiness answers the moment it comes, so whatever waits for the resource starts at once.
/// </summary>
internal static class HealthCheckWait
{
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(5);
}
