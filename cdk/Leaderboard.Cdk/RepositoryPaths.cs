namespace Leaderboard.Cdk;

/// <summary>
/// Where the paths of the app definition lead: they are relative to the repository root, and the CDK app
/// runs somewhere inside the repository (<c>cdk/</c> for the CLI, a test's output folder for the tests).
/// </summary>
internal static class RepositoryPaths
{
    /// <summary>
    /// The full path of <paramref name="relativePath"/> (a file or a folder) under the nearest folder, from
    /// the current one upwards, that holds it; null when none does.
    /// </summary>
    public static string? Find(string relativePath)
    {
        for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relativePath);
            if (File.Exists(candidate) || Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
