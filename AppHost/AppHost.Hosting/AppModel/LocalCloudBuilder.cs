using System.Reflection;
using AppHost.Definition;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting.AppModel;

/// <summary>Entry point of an AppHost: <c>var builder = LocalCloud.CreateBuilder(args);</c>.</summary>
public static class LocalCloud
{
    /// <summary>
    /// A builder configured from <c>appsettings.json</c> next to the AppHost, environment variables
    /// prefixed <c>LOCALCLOUD_</c>, and the command line (<c>--Ports:api-gateway=3100</c>).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static LocalCloudBuilder CreateBuilder(string[] args)
    {
        var appHost = Assembly.GetCallingAssembly();
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables("LOCALCLOUD_")
            .AddCommandLine(args)
            .Build();
        return new LocalCloudBuilder(configuration, appHost);
    }
}

/// <summary>Declares the resources of a local cloud, in Aspire's idiom, then builds the runnable app.</summary>
public sealed class LocalCloudBuilder
{
    /// <summary>The name of the Lambda emulator resource, added with the first function.</summary>
    public const string LambdaEmulatorName = "lambda-emulator";

    private readonly List<LocalResource> _resources = [];

    internal LocalCloudBuilder(IConfiguration configuration, Assembly appHost)
    {
        Configuration = configuration;
        Options = configuration.Get<LocalCloudOptions>() ?? new LocalCloudOptions();
        if (string.IsNullOrEmpty(Options.RepositoryRoot))
        {
            Options.RepositoryRoot = NodePackages.FindRepositoryRoot(AppContext.BaseDirectory);
        }
        if (string.IsNullOrEmpty(Options.StateDirectory))
        {
            Options.StateDirectory = Path.Combine(Options.RepositoryRoot, ".localcloud");
        }
        if (configuration["Configuration"] is null)
        {
            // Run the function builds that match the AppHost's own build.
            Options.Configuration = appHost.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        }
    }

    public IConfiguration Configuration { get; }

    public LocalCloudOptions Options { get; }

    public IReadOnlyList<LocalResource> Resources => _resources;

    /// <summary>DynamoDB Local on <c>--Ports:{name}</c> (8000), persistent unless <c>--DynamoDb:InMemory=true</c>.</summary>
    public ResourceBuilder<DynamoDbLocalResource> AddDynamoDbLocal(string name)
    {
        var options = Configuration.GetSection(DynamoDbLocalOptions.SectionName).Get<DynamoDbLocalOptions>() ?? new DynamoDbLocalOptions();
        options.Port = Options.PortFor(name, options.Port);
        options.RepositoryRoot ??= Options.RepositoryRoot;
        if (!Configuration.GetValue<bool>("DynamoDb:InMemory"))
        {
            options.DataDirectory ??= Path.Combine(Options.StateDirectory, "dynamodb");
        }
        return AddResource(new DynamoDbLocalResource(name, options));
    }

    /// <summary>A Lambda function run by the local Lambda emulator (added with the first function).</summary>
    public ResourceBuilder<FunctionResource> AddFunction(FunctionDefinition definition)
    {
        var function = AddResource(new FunctionResource(definition));
        if (_resources.OfType<LambdaEmulatorResource>().SingleOrDefault() is { } emulator)
        {
            ((List<FunctionResource>)emulator.Functions).Add(function.Resource);
        }
        else
        {
            AddResource(new LambdaEmulatorResource(LambdaEmulatorName, new List<FunctionResource> { function.Resource }));
        }
        return function;
    }

    /// <summary>An API Gateway API with the routes of its definition; each route's function must be added.</summary>
    public ResourceBuilder<ApiGatewayResource> AddHttpApi(HttpApiDefinition definition)
    {
        var functions = _resources.OfType<FunctionResource>().ToList();
        var gateway = AddResource(new ApiGatewayResource(definition, functions));
        foreach (var function in definition.Routes.Select(route => route.Function).Distinct())
        {
            gateway.WaitFor(functions.SingleOrDefault(resource => resource.Name == function)
                ?? throw new InvalidOperationException($"Route target '{function}' of {definition.Name} is not a function of this app; add it first."));
        }
        return gateway;
    }

    /// <summary>Adds a resource of any kind; extension methods such as <c>AddTable</c> build on this.</summary>
    public ResourceBuilder<T> AddResource<T>(T resource)
        where T : LocalResource
    {
        if (_resources.Any(existing => existing.Name == resource.Name))
        {
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        }
        _resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    public LocalCloudApp Build() => new(_resources, Options, Configuration);
}

/// <summary>A declared resource and the fluent calls that wire it.</summary>
public sealed class ResourceBuilder<T>(LocalCloudBuilder builder, T resource)
    where T : LocalResource
{
    public T Resource { get; } = resource;

    public LocalCloudBuilder Builder { get; } = builder;

    /// <summary>Gives this resource the other's connection settings (endpoints, names) as environment variables.</summary>
    public ResourceBuilder<T> WithReference<TOther>(ResourceBuilder<TOther> other)
        where TOther : LocalResource
    {
        Resource.References.Add(other.Resource);
        return this;
    }

    /// <summary>Starts this resource only once the other is healthy.</summary>
    public ResourceBuilder<T> WaitFor<TOther>(ResourceBuilder<TOther> other)
        where TOther : LocalResource => WaitFor(other.Resource);

    internal ResourceBuilder<T> WaitFor(LocalResource other)
    {
        if (!Resource.WaitsFor.Contains(other))
        {
            Resource.WaitsFor.Add(other);
        }
        return this;
    }
}

/// <summary>The fluent calls specific to each kind of resource.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>A table of this DynamoDB Local, created from its definition when absent.</summary>
    public static ResourceBuilder<TableResource> AddTable(this ResourceBuilder<DynamoDbLocalResource> database, TableDefinition definition) =>
        database.Builder.AddResource(new TableResource(definition, database.Resource)).WaitFor(database.Resource);

    /// <summary>Sets an environment variable of the function.</summary>
    public static ResourceBuilder<FunctionResource> WithEnvironment(this ResourceBuilder<FunctionResource> function, string name, string value)
    {
        function.Resource.ExtraEnvironment[name] = value;
        return function;
    }

    /// <summary>Invokes the function with batches of the table's stream, as Lambda's event source mapping does.</summary>
    public static ResourceBuilder<FunctionResource> WithStreamEventSource(
        this ResourceBuilder<FunctionResource> function, ResourceBuilder<TableResource> table, StreamEventSourceDefinition definition)
    {
        function.Builder.AddResource(new StreamEventSourceResource(definition, table.Resource, function.Resource))
            .WaitFor(table.Resource)
            .WaitFor(function.Resource);
        return function;
    }

    /// <summary>Invokes the function on an EventBridge schedule (<c>rate(...)</c> or <c>cron(...)</c>).</summary>
    public static ResourceBuilder<FunctionResource> WithSchedule(this ResourceBuilder<FunctionResource> function, ScheduleDefinition definition)
    {
        function.Builder.AddResource(new ScheduleResource(definition, function.Resource)).WaitFor(function.Resource);
        return function;
    }

    /// <summary>Adds a route to the API, beyond those of its definition.</summary>
    public static ResourceBuilder<ApiGatewayResource> WithRoute(this ResourceBuilder<ApiGatewayResource> api, RouteDefinition route)
    {
        api.Resource.Definition = api.Resource.Definition with { Routes = [.. api.Resource.Definition.Routes, route] };
        return api;
    }
}
