namespace Leaderboard.Core;

/// <summary>
/// For clients that submit match results, as a game server does: signs every request that has a body
/// with <paramref name="key"/> (the <see cref="MatchSignature.HeaderName"/> header over the exact bytes
/// sent), unless the request already carries a signature.
/// </summary>
public sealed class MatchSigningHandler(string key) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Content is { } content && !request.Headers.Contains(MatchSignature.HeaderName))
        {
            // Buffers the content, so the bytes sent are the bytes signed.
            var body = await content.ReadAsByteArrayAsync(cancellationToken);
            request.Headers.Add(MatchSignature.HeaderName, MatchSignature.Sign(key, body));
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
