using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace AppHost.Emulators.ApiGateway;

/// <summary>Why a token was refused: 401 (no valid token) or 403 (valid, but lacks a required scope).</summary>
public enum TokenVerdict
{
    Valid,
    Unauthorized,
    Forbidden,
}

/// <summary>A validated token's claims (each as a string, as API Gateway passes them) and scopes.</summary>
public sealed record ValidatedToken(IReadOnlyDictionary<string, string> Claims, IReadOnlyList<string> Scopes);

/// <summary>
/// The local OpenID issuer: an RSA signing key made per run, discovery and JWKS documents, RS256
/// tokens minted for any scopes, and the validation a JWT authorizer performs (signature, issuer,
/// audience, expiry, scopes).
/// </summary>
public sealed class JwtIssuer : IDisposable
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private readonly RSA _key = RSA.Create(2048);
    private readonly string _keyId = Guid.NewGuid().ToString("N")[..16];
    private readonly TimeProvider _clock;

    public JwtIssuer(string issuer, TimeProvider? clock = null)
    {
        Issuer = issuer.TrimEnd('/');
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The issuer URL (<c>iss</c>); discovery is at <c>{Issuer}/.well-known/openid-configuration</c>.</summary>
    public string Issuer { get; }

    public string JwksUri => Issuer + "/.well-known/jwks.json";

    /// <summary>Mints a token for the audience with the given scopes (space-separated in <c>scope</c>).</summary>
    public string Mint(string audience, IEnumerable<string> scopes, string subject = "local-developer", TimeSpan? lifetime = null)
    {
        var now = _clock.GetUtcNow();
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = _keyId };
        var payload = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = subject,
            ["aud"] = audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + (lifetime ?? TimeSpan.FromHours(8))).ToUnixTimeSeconds(),
            ["scope"] = string.Join(' ', scopes),
            ["client_id"] = "localcloud",
        };
        var signingInput = Encode(header) + "." + Encode(payload);
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + WebEncoders.Base64UrlEncode(signature);
    }

    /// <summary>Validates a bearer token as an HTTP API JWT authorizer does.</summary>
    public (TokenVerdict Verdict, ValidatedToken? Token) Validate(
        string? authorization, IReadOnlyList<string> audiences, IReadOnlyList<string> requiredScopes)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return (TokenVerdict.Unauthorized, null);
        }
        var token = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : authorization.Trim();
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return (TokenVerdict.Unauthorized, null);
        }
        JsonObject header;
        JsonObject payload;
        byte[] signature;
        try
        {
            header = JsonNode.Parse(WebEncoders.Base64UrlDecode(parts[0]))!.AsObject();
            payload = JsonNode.Parse(WebEncoders.Base64UrlDecode(parts[1]))!.AsObject();
            signature = WebEncoders.Base64UrlDecode(parts[2]);
        }
        catch (Exception exception) when (exception is FormatException or JsonException or InvalidOperationException)
        {
            return (TokenVerdict.Unauthorized, null);
        }
        var signedPart = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (header["alg"]?.GetValue<string>() != "RS256" || header["kid"]?.GetValue<string>() != _keyId
            || !_key.VerifyData(signedPart, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return (TokenVerdict.Unauthorized, null);
        }
        var now = _clock.GetUtcNow().ToUnixTimeSeconds();
        if (payload["iss"]?.GetValue<string>() != Issuer
            || !ReadStrings(payload["aud"]).Any(audiences.Contains)
            || !(payload["exp"]?.GetValue<long>() + (long)ClockSkew.TotalSeconds > now)
            || payload["nbf"]?.GetValue<long>() - (long)ClockSkew.TotalSeconds > now)
        {
            return (TokenVerdict.Unauthorized, null);
        }
        var scopes = ReadStrings(payload["scope"] ?? payload["scp"]);
        if (requiredScopes.Count > 0 && !requiredScopes.Any(scopes.Contains))
        {
            return (TokenVerdict.Forbidden, null);
        }
        var claims = payload.ToDictionary(claim => claim.Key, claim => claim.Value switch
        {
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            null => "",
            var other => other.ToJsonString(),
        });
        return (TokenVerdict.Valid, new ValidatedToken(claims, scopes));
    }

    /// <summary>The OpenID discovery document.</summary>
    public JsonObject DiscoveryDocument() => new()
    {
        ["issuer"] = Issuer,
        ["jwks_uri"] = JwksUri,
        ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
        ["response_types_supported"] = new JsonArray("token"),
        ["subject_types_supported"] = new JsonArray("public"),
    };

    /// <summary>The JSON Web Key Set with the public signing key.</summary>
    public JsonObject KeySet()
    {
        var parameters = _key.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["kid"] = _keyId,
                ["n"] = WebEncoders.Base64UrlEncode(parameters.Modulus!),
                ["e"] = WebEncoders.Base64UrlEncode(parameters.Exponent!),
            }),
        };
    }

    public void Dispose() => _key.Dispose();

    private static string Encode(JsonObject json) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(json.ToJsonString()));

    private static List<string> ReadStrings(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(item => item?.GetValue<string>() ?? "").ToList(),
        JsonValue value when value.TryGetValue<string>(out var text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList(),
        _ => [],
    };
}
