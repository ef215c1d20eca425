using Functions.Hosting;
using Microsoft.Extensions.Options;

namespace Leaderboard.Core;

/// <summary>What the check of a match result's signature found.</summary>
public enum MatchSignatureCheck
{
    /// <summary>Signed with the current key, or with the previous one while a rotation is under way.</summary>
    Valid,

    /// <summary>No signature came with the result.</summary>
    Missing,

    /// <summary>The signature is not <c>sha256=</c> followed by 64 lowercase hex digits.</summary>
    Malformed,

    /// <summary>The signature is not that of the body with the current key, nor with the previous one.</summary>
    Mismatch,
}

/// <summary>
/// Checks the signatures of match results (see <see cref="MatchSignature"/>) against the match signing key,
/// read through the Parameters and Secrets extension: its current version (<c>AWSCURRENT</c>) and, for a
/// signature the current key does not match, its previous one (<c>AWSPREVIOUS</c>), which exists while a
/// rotation is under way. One instance serves one request or one batch (it is scoped): it asks the
/// extension for each version at most once and keeps nothing longer, so the extension's cache time to
/// live alone decides how soon a rotation is seen.
/// </summary>
public sealed class MatchSignatureVerifier(ParametersSecretsClient secrets, IOptions<MatchSigningOptions> options)
{
    private byte[]? _currentKey;
    private byte[]? _previousKey;
    private bool _previousKeyRead;

    /// <summary>Checks that <paramref name="signature"/> (null when none came) signs <paramref name="body"/>.</summary>
    /// <exception cref="MatchSigningKeyUnavailableException">The key could not be read: nothing may be accepted.</exception>
    public async Task<MatchSignatureCheck> CheckAsync(ReadOnlyMemory<byte> body, string? signature, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return MatchSignatureCheck.Missing;
        }
        if (MatchSignature.ReadDigest(signature) is not { } digest)
        {
            return MatchSignatureCheck.Malformed;
        }
        var current = await CurrentKeyAsync(cancellationToken);
        if (MatchSignature.IsSignedWith(body.Span, digest, current))
        {
            return MatchSignatureCheck.Valid;
        }
        var previous = await PreviousKeyAsync(cancellationToken);
        return previous is not null && MatchSignature.IsSignedWith(body.Span, digest, previous)
            ? MatchSignatureCheck.Valid
            : MatchSignatureCheck.Mismatch;
    }

    private async Task<byte[]> CurrentKeyAsync(CancellationToken cancellationToken) =>
        _currentKey ??= await ReadKeyAsync(ParametersSecretsClient.CurrentVersion, cancellationToken)
            ?? throw new MatchSigningKeyUnavailableException(
                $"The match signing key '{options.Value.MatchSigningSecretId}' does not exist in Secrets Manager (no {ParametersSecretsClient.CurrentVersion} version).");

    private async Task<byte[]?> PreviousKeyAsync(CancellationToken cancellationToken)
    {
        if (!_previousKeyRead)
        {
            _previousKey = await ReadKeyAsync(ParametersSecretsClient.PreviousVersion, cancellationToken);
            _previousKeyRead = true;
        }
        return _previousKey;
    }

    /// <summary>The UTF-8 bytes of a version of the key; null when Secrets Manager has no such version.</summary>
    private async Task<byte[]?> ReadKeyAsync(string versionStage, CancellationToken cancellationToken)
    {
        var secretId = options.Value.MatchSigningSecretId;
        string? key;
        try
        {
            key = await secrets.GetSecretStringAsync(secretId, versionStage, cancellationToken);
        }
        catch (ParametersSecretsException exception)
        {
            throw new MatchSigningKeyUnavailableException(exception.Message, exception);
        }
        return key switch
        {
            null => null,
            "" => throw new MatchSigningKeyUnavailableException($"The match signing key '{secretId}' ({versionStage}) is empty."),
            _ => System.Text.Encoding.UTF8.GetBytes(key),
        };
    }
}

/// <summary>The match signing key could not be read, so no signature can be checked and no match result may be accepted.</summary>
public sealed class MatchSigningKeyUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);
