namespace AppHost.Definition;

/// <summary>
/// Callers sign what they send with a secret: the HMAC-SHA256 of the request or message body, written
/// <c>sha256=&lt;lowercase hex&gt;</c>, in the header (a route's) or String message attribute (a queue's)
/// named <see cref="Name"/>. The receiving function checks it; locally the test tool's samples and the
/// dashboard's send command sign theirs with the secret's local value.
/// </summary>
/// <param name="Key">The secret whose value is the key.</param>
/// <param name="Name">The header or message attribute carrying the signature.</param>
public sealed record BodySignature(SecretDefinition Key, string Name)
{
    /// <summary>The prefix of a signature's value, naming its algorithm.</summary>
    public const string Prefix = "sha256=";
}
