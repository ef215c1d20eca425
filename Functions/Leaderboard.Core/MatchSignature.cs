using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Leaderboard.Core;

/// <summary>
/// How a game server signs a match result: the HMAC-SHA256 of the exact bytes of the body (the request
/// body of <c>POST /matches</c>, the body of a <c>match-intake</c> message), keyed with the UTF-8 bytes
/// of the match signing key, written <c>sha256=</c> followed by the 64 lowercase hex digits of the
/// digest — what <c>openssl dgst -sha256 -hmac KEY</c> prints. It travels in the
/// <see cref="HeaderName"/> header of a request and the <see cref="MessageAttributeName"/> String
/// attribute of a message.
/// </summary>
public static class MatchSignature
{
    /// <summary>The request header that carries the signature of <c>POST /matches</c>.</summary>
    public const string HeaderName = "X-Leaderboard-Signature";

    /// <summary>The message attribute (data type String) that carries the signature of a <c>match-intake</c> message.</summary>
    public const string MessageAttributeName = "signature";

    /// <summary>What a signature starts with: the algorithm.</summary>
    public const string Prefix = "sha256=";

    private const int DigestHexLength = HMACSHA256.HashSizeInBytes * 2;

    private static readonly SearchValues<char> LowercaseHexDigits = SearchValues.Create("0123456789abcdef");

    /// <summary>The signature of <paramref name="body"/> with <paramref name="key"/>: <c>sha256=&lt;lowercase hex&gt;</c>.</summary>
    public static string Sign(string key, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), body));
    }

    /// <summary>The signature of the UTF-8 bytes of <paramref name="body"/> (a message body) with <paramref name="key"/>.</summary>
    public static string Sign(string key, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Sign(key, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>The digest a signature carries; null when it is not <see cref="Prefix"/> followed by 64 lowercase hex digits.</summary>
    internal static byte[]? ReadDigest(string signature)
    {
        if (!signature.StartsWith(Prefix, StringComparison.Ordinal) || signature.Length != Prefix.Length + DigestHexLength)
        {
            return null;
        }
        var hex = signature.AsSpan(Prefix.Length);
        return hex.ContainsAnyExcept(LowercaseHexDigits) ? null : Convert.FromHexString(hex);
    }

    /// <summary>Whether <paramref name="digest"/> is the HMAC-SHA256 of <paramref name="body"/> with <paramref name="key"/>, compared in constant time.</summary>
    internal static bool IsSignedWith(ReadOnlySpan<byte> body, ReadOnlySpan<byte> digest, byte[] key) =>
        CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, body), digest);
}
