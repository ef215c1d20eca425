namespace AppHost.Emulators.ApiGateway;

/// <summary>Identifiers shaped like API Gateway's, for every API the emulators serve (HTTP, REST, WebSocket).</summary>
internal static class ApiGatewayIds
{
    /// <summary>An API id as API Gateway makes them: ten lower-case letters and digits, here from the API's name.</summary>
    public static string ApiId(string name)
    {
        var letters = new string(name.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
        return (letters + "0000000000")[..10];
    }

    /// <summary>A request, connection or message id (16 characters, base64 of random bytes, ending in <c>=</c>).</summary>
    public static string NewId() => Convert.ToBase64String(Guid.NewGuid().ToByteArray()[..11]).Replace('/', '_').Replace('+', '-');
}
