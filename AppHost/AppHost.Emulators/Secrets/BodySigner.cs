using System.Security.Cryptography;
using System.Text;
using AppHost.Definition;

namespace AppHost.Emulators.Secrets;

/// <summary>Signs a body as a <see cref="BodySignature"/> asks: <c>sha256=</c> and the HMAC-SHA256 of the body with the secret's current value.</summary>
public static class BodySigner
{
    /// <summary>The signature of <paramref name="body"/>; null when <paramref name="store"/> does not hold the key yet.</summary>
    public static string? Sign(BodySignature signature, SecretStore store, ReadOnlySpan<byte> body) =>
        store.Find(signature.Key.Name) is { } key
            ? BodySignature.Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key.Current), body))
            : null;
}
