using System.Collections.Concurrent;

namespace AppHost.Emulators.Secrets;

/// <summary>
/// The app's secrets as the local Secrets Manager holds them: each secret's current value
/// (<c>AWSCURRENT</c>) and, after a rotation, its previous one (<c>AWSPREVIOUS</c>). Changes are seen
/// by every extension on its next read past its cache's time to live.
/// </summary>
public sealed class SecretStore
{
    private readonly ConcurrentDictionary<string, SecretVersions> _secrets = new(StringComparer.Ordinal);

    /// <summary>Sets a secret's value (and the previous one, when a rotation is under way).</summary>
    public void Set(string name, string current, string? previous = null) =>
        _secrets[name] = new SecretVersions(current, string.IsNullOrEmpty(previous) ? null : previous, DateTimeOffset.UtcNow);

    /// <summary>A rotation, as <c>PutSecretValue</c> does it: the new value becomes current, the current one previous.</summary>
    public void Rotate(string name, string newValue) =>
        _secrets.AddOrUpdate(name,
            _ => new SecretVersions(newValue, null, DateTimeOffset.UtcNow),
            (_, versions) => new SecretVersions(newValue, versions.Current, DateTimeOffset.UtcNow));

    /// <summary>The secret's versions; null for a secret the store does not hold.</summary>
    public SecretVersions? Find(string name) => _secrets.GetValueOrDefault(name);

    /// <summary>The names of the secrets held.</summary>
    public IReadOnlyCollection<string> Names => _secrets.Keys.ToList();
}

/// <summary>A secret's current value, its previous one during a rotation, and when it last changed.</summary>
public sealed record SecretVersions(string Current, string? Previous, DateTimeOffset Changed);
