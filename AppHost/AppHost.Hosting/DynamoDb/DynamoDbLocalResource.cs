using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>
/// DynamoDB Local — Amazon's <c>DynamoDBLocal.jar</c> on Java 17+, or its container image run
/// through the <c>docker</c> client — as an executable the orchestrator starts, always with
/// <c>-sharedDb</c>. Functions that reference it (or one of its tables) get <c>AWS_ENDPOINT_URL_DYNAMODB</c>.
/// </summary>
public sealed class DynamoDbLocalResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory)
{
    internal const string EndpointName = "http";

    /// <summary>The resource property that says why it could not start (no Java, a taken port).</summary>
    internal const string ProblemProperty = "dynamodb.problem";

    private EndpointReference? _endpoint;

    /// <summary>The endpoint clients use (loopback; the jar itself listens on every interface).</summary>
    public EndpointReference Endpoint => _endpoint ??= new(this, EndpointName);

    /// <summary>The command line's arguments, set before each start once the runtime is known.</summary>
    internal IReadOnlyList<string> LaunchArguments { get; set; } = [];

    /// <summary>A client of this instance with placeholder credentials (DynamoDB Local accepts any).</summary>
    public AmazonDynamoDBClient CreateDynamoDbClient() => new(
        new BasicAWSCredentials("local", "local"),
        new AmazonDynamoDBConfig { ServiceURL = Endpoint.Url, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
}
