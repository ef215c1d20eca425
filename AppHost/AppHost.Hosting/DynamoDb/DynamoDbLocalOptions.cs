namespace AppHost.Hosting;

/// <summary>How DynamoDB Local runs: Amazon's jar on the machine's Java, or its container image.</summary>
public enum DynamoDbRuntime
{
    /// <summary>The jar when Java 17+ is on PATH, else the container when Docker answers.</summary>
    Auto,
    Jar,
    Container,
}

/// <summary>Settings of DynamoDB Local, bound from the AppHost's <c>DynamoDb</c> section.</summary>
public sealed class DynamoDbLocalOptions
{
    public const string SectionName = "DynamoDb";

    public int Port { get; set; } = 8000;

    /// <summary>Where the data lives across restarts; null runs in memory.</summary>
    public string? DataDirectory { get; set; }

    public DynamoDbRuntime Runtime { get; set; } = DynamoDbRuntime.Auto;

    /// <summary>The Java launcher; by default <c>java</c> from PATH.</summary>
    public string JavaExecutable { get; set; } = "java";

    /// <summary>The Docker client used to detect and run the container runtime.</summary>
    public string DockerExecutable { get; set; } = "docker";

    /// <summary>The folder holding the root <c>package.json</c>; found from the working directory when null.</summary>
    public string? RepositoryRoot { get; set; }

    /// <summary>The container image used by the <see cref="DynamoDbRuntime.Container"/> runtime.</summary>
    public string ContainerImage { get; set; } = "amazon/dynamodb-local:latest";

    /// <summary>How long to wait for the first answer to <c>ListTables</c>.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Tells the user which setting changes the port, in messages about a taken port.</summary>
    public string PortSettingHint { get; set; } = "--DynamoDb:Port=<port>";
}
