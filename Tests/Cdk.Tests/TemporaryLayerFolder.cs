namespace Cdk.Tests;

/// <summary>
/// A layer's <c>/opt</c> content in a fresh folder under the current one, where the CDK app looks for the
/// definition's folders first: an external extension in <c>extensions/</c> and a data file. Deleted on dispose.
/// </summary>
public sealed class TemporaryLayerFolder : IDisposable
{
    public TemporaryLayerFolder()
    {
        ContentPath = "layer-" + Guid.NewGuid().ToString("N");
        FullPath = Path.GetFullPath(ContentPath);
        Directory.CreateDirectory(Path.Combine(FullPath, "extensions"));
        File.WriteAllText(Path.Combine(FullPath, "extensions", "probe"), "#!/bin/sh\nexec sleep infinity\n");
        File.WriteAllText(Path.Combine(FullPath, "probe.json"), """{"probe":true}""");
    }

    /// <summary>The folder as a definition names it: a path relative to where the CDK app runs.</summary>
    public string ContentPath { get; }

    public string FullPath { get; }

    /// <summary>The files of <paramref name="folder"/>, relative to it, in order.</summary>
    public static IReadOnlyList<string> Files(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(file => Path.GetRelativePath(folder, file)).Order(StringComparer.Ordinal)];

    public void Dispose() => Directory.Delete(FullPath, recursive: true);
}
