using System.Text.RegularExpressions;

namespace AppHost.Emulators.TestTool;

/// <summary>A saved request: its name, when it was saved, and the event.</summary>
public sealed record SavedRequest(string Name, DateTimeOffset SavedAt, string Event);

/// <summary>
/// The test tool's saved requests: one JSON file per request under <c>{directory}/{function}/{name}.json</c>
/// (the AppHost uses <c>.localcloud/test-tool/</c>, git-ignored), so they survive restarts. A save
/// writes a temporary file and renames it over the old one: a failed save never loses the previous copy.
/// </summary>
public sealed partial class SavedRequestStore(string directory)
{
    private const string Extension = ".json";

    /// <summary>What a name may be: letters, digits, spaces, '.', '_' and '-', 1–64 characters, not starting with '.'.</summary>
    public const string NameRule = "1–64 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit";

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    public IReadOnlyList<SavedRequest> List(string function)
    {
        var folder = Path.Combine(directory, function);
        if (!Directory.Exists(folder))
        {
            return [];
        }
        return Directory.EnumerateFiles(folder, "*" + Extension)
            .Select(file => (Name: Path.GetFileNameWithoutExtension(file), File: file))
            .Where(entry => IsValidName(entry.Name))
            .OrderBy(entry => entry.Name, StringComparer.OrdinalIgnoreCase)
            .Select(entry => new SavedRequest(entry.Name, File.GetLastWriteTimeUtc(entry.File), ""))
            .ToList();
    }

    public async Task<SavedRequest?> GetAsync(string function, string name, CancellationToken cancellationToken = default)
    {
        var file = PathOf(function, name);
        if (!File.Exists(file))
        {
            return null;
        }
        return new SavedRequest(name, File.GetLastWriteTimeUtc(file), await File.ReadAllTextAsync(file, cancellationToken));
    }

    /// <summary>Saves (or replaces) a request; the caller has checked the name and that the event is JSON.</summary>
    public async Task<SavedRequest> PutAsync(string function, string name, string json, CancellationToken cancellationToken = default)
    {
        var file = PathOf(function, name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var temporary = Path.Combine(Path.GetDirectoryName(file)!, $".{Guid.NewGuid():N}.tmp");
        try
        {
            await File.WriteAllTextAsync(temporary, json, cancellationToken);
            File.Move(temporary, file, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
        return new SavedRequest(name, File.GetLastWriteTimeUtc(file), json);
    }

    /// <summary>Deletes a saved request; false when there was none.</summary>
    public bool Delete(string function, string name)
    {
        var file = PathOf(function, name);
        if (!File.Exists(file))
        {
            return false;
        }
        File.Delete(file);
        return true;
    }

    private string PathOf(string function, string name)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"A saved request's name is {NameRule}.", nameof(name));
        }
        return Path.Combine(directory, function, name + Extension);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")]
    private static partial Regex NamePattern();
}
