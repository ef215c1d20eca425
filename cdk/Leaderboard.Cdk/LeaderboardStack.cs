using System.Diagnostics.CodeAnalysis;
using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.EventSources;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.S3.Deployment;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AwsApigatewayv2Authorizers;
using Amazon.CDK.AwsApigatewayv2Integrations;
using AppHost.Definition;
using Constructs;
using BehaviorOptions = Amazon.CDK.AWS.CloudFront.BehaviorOptions;
using Distribution = Amazon.CDK.AWS.CloudFront.Distribution;
using DistributionProps = Amazon.CDK.AWS.CloudFront.DistributionProps;
using LogGroupProps = Amazon.CDK.AWS.Logs.LogGroupProps;
using ViewerProtocolPolicy = Amazon.CDK.AWS.CloudFront.ViewerProtocolPolicy;

namespace Leaderboard.Cdk;

/// <summary>What the stack deploys: the app definition, and the settings the definition leaves open.</summary>
public sealed class LeaderboardStackProps : StackProps
{
    public required AppDefinition Definition { get; init; }

    public DeploymentSettings Settings { get; init; } = new();
}

/// <summary>One queue of the definition on AWS: the queue, its dead-letter queue (null without one), and the managed policy of its producers.</summary>
public sealed record QueueResources(Queue Queue, Queue? DeadLetterQueue, ManagedPolicy Senders);

/// <summary>One static site of the definition on AWS: its private bucket, what deploys its files there, and the CloudFront distribution that serves them.</summary>
public sealed record StaticSite(Bucket Bucket, BucketDeployment Deployment, Distribution Distribution);

/// <summary>
/// The app of an <see cref="AppDefinition"/> on AWS: its tables, queues, functions, HTTP and WebSocket
/// APIs, stream and queue event source mappings, schedules and static sites, with log groups and alarms —
/// the same declaration the local cloud runs.
/// </summary>
[SuppressMessage("Naming", "CA1711", Justification = "CDK apps name their stacks XxxStack.")]
public sealed class LeaderboardStack : Stack
{
    /// <summary>The stack parameter that holds the JWT issuer URL (its default comes from context <c>jwtIssuer</c>).</summary>
    public const string JwtIssuerParameter = "JwtIssuer";

    /// <summary>The managed .NET 10 runtime; CDK 2.160 predates its constant.</summary>
    public static readonly Runtime DotNet10 = new("dotnet10", RuntimeFamily.DOTNET_CORE);

    /// <summary>The file beside a site's page that tells it where its WebSocket API is.</summary>
    public const string SiteConfigFile = "config.json";

    /// <summary>What a site's page loads when its URL names no file.</summary>
    public const string SiteIndexFile = "index.html";

    private const string DefaultStage = "$default";

    /// <summary>What a producer of a queue may do with it: find it, read its attributes, send.</summary>
    public static readonly IReadOnlyList<string> QueueSenderActions = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"];

    /// <summary>The age of a queue's oldest message at which its alarm goes off (for five minutes in a row).</summary>
    public static readonly TimeSpan OldestMessageAgeAlarm = TimeSpan.FromMinutes(5);

    private const int MaximumVisibilityTimeoutSeconds = 43_200;
    private const int MaximumRetentionSeconds = 1_209_600;

    /// <summary>
    /// How long browsers and CloudFront keep a site's files: a redeploy shows within this time without an
    /// invalidation, for which <c>BucketDeployment</c> would grant <c>cloudfront:CreateInvalidation</c> on every resource.
    /// </summary>
    private static readonly Duration SiteCacheDuration = Duration.Minutes(1);

    private readonly AppDefinition definition;
    private readonly DeploymentSettings settings;
    private readonly FunctionAssets assets;
    private readonly ILayerVersion? collectorLayer;
    private readonly ITopic? alarmTopic;
    private readonly Dictionary<string, Table> tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Function> functions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Alias> aliases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HttpApi> httpApis = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WebSocketStage> webSocketStages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StaticSite> sites = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> webSocketApiOfFunction = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Function, string Table), Queue> streamFailureQueues = [];
    private readonly Dictionary<string, QueueResources> queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Rule> schedules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ILayerVersion> layers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Secret> secrets = new(StringComparer.Ordinal);
    private readonly List<Alarm> alarms = [];
    private CfnParameter? jwtIssuer;
    private LogGroup? siteDeploymentLogs;

    public LeaderboardStack(Construct scope, string id, LeaderboardStackProps props)
        : base(scope, id, props)
    {
        ArgumentNullException.ThrowIfNull(props);
        definition = props.Definition;
        settings = props.Settings;
        assets = new FunctionAssets(settings);
        collectorLayer = settings.OtelCollectorLayerArn is { } layerArn
            ? LayerVersion.FromLayerVersionArn(this, "otel-collector", layerArn)
            : null;
        if (settings.XRayTracing && collectorLayer is null)
        {
            throw new ArgumentException(
                $"Context '{ContextKeys.XRayTracing}' needs '{ContextKeys.OtelCollectorLayerArn}': the functions' OpenTelemetry reaches X-Ray through the collector layer (for example ADOT's).");
        }
        alarmTopic = settings.AlarmTopicArn is { } topicArn ? Topic.FromTopicArn(this, "alarm-topic", topicArn) : null;

        foreach (var table in definition.Tables)
        {
            tables.Add(table.Name, AddTable(table));
        }
        foreach (var queue in definition.Queues)
        {
            if (queues.ContainsKey(queue.Name))
            {
                throw new InvalidOperationException($"Queue '{queue.Name}' is declared twice; queue names are unique in an account and region.");
            }
            queues.Add(queue.Name, AddQueue(queue));
        }
        foreach (var secret in definition.Secrets)
        {
            secrets.Add(secret.Name, AddSecret(secret));
        }
        foreach (var function in definition.Functions)
        {
            functions.Add(function.Name, AddFunction(function));
        }
        foreach (var api in definition.HttpApis)
        {
            httpApis.Add(api.Name, AddHttpApi(api));
        }
        foreach (var api in definition.WebSocketApis)
        {
            webSocketStages.Add(api.Name, AddWebSocketApi(api));
        }
        foreach (var function in definition.Functions)
        {
            foreach (var stream in function.Streams)
            {
                streamFailureQueues.Add((function.Name, stream.Table), AddStreamEventSource(function.Name, stream));
            }
            foreach (var source in function.Queues)
            {
                AddQueueEventSource(function, source);
            }
        }
        foreach (var function in definition.Functions)
        {
            foreach (var schedule in function.Schedules)
            {
                schedules.Add(schedule.Name, AddSchedule(function.Name, schedule));
            }
        }
        foreach (var site in definition.Sites)
        {
            sites.Add(site.Name, AddSite(site));
        }
        Aspects.Of(this).Add(new BundledHandlerRuntimes());
    }

    /// <summary>The DynamoDB tables, by their name in the definition.</summary>
    public IReadOnlyDictionary<string, Table> Tables => tables;

    /// <summary>The Lambda functions, by their name in the definition.</summary>
    public IReadOnlyDictionary<string, Function> Functions => functions;

    /// <summary>The aliases that carry provisioned concurrency (with <c>provisionedConcurrency=true</c>), by function name.</summary>
    public IReadOnlyDictionary<string, Alias> Aliases => aliases;

    /// <summary>The API Gateway HTTP APIs, by their name in the definition.</summary>
    public IReadOnlyDictionary<string, HttpApi> HttpApis => httpApis;

    /// <summary>The stages of the API Gateway WebSocket APIs (each with its <see cref="WebSocketStage.Api"/>), by the API's name in the definition.</summary>
    public IReadOnlyDictionary<string, WebSocketStage> WebSocketStages => webSocketStages;

    /// <summary>The static sites, by their name in the definition.</summary>
    public IReadOnlyDictionary<string, StaticSite> Sites => sites;

    /// <summary>Where each stream event source mapping sends the batches that failed every retry, by the function and the table whose stream it reads.</summary>
    public IReadOnlyDictionary<(string Function, string Table), Queue> StreamFailureQueues => streamFailureQueues;

    /// <summary>The SQS queues, each with its dead-letter queue and the policy of those who may send to it, by their name in the definition.</summary>
    public IReadOnlyDictionary<string, QueueResources> Queues => queues;

    /// <summary>The EventBridge rules that invoke functions on a schedule, by the schedule's name.</summary>
    public IReadOnlyDictionary<string, Rule> Schedules => schedules;

    /// <summary>Every alarm: function errors and throttles, stream iterator age and failures, queue backlogs and dead letters, API 5xx.</summary>
    public IReadOnlyList<Alarm> Alarms => alarms;

    private Table AddTable(TableDefinition table)
    {
        var construct = new Table(this, table.Name, new TableProps
        {
            PartitionKey = table.PartitionKey.ToAttribute(),
            SortKey = table.SortKey?.ToAttribute(),
            BillingMode = BillingMode.PAY_PER_REQUEST,
            PointInTimeRecovery = true,
            Stream = table.Stream?.ToStreamViewType(),
            TimeToLiveAttribute = table.TimeToLiveAttribute,
            RemovalPolicy = settings.RemovalPolicy,
        });
        foreach (var index in table.GlobalIndexes)
        {
            construct.AddGlobalSecondaryIndex(new GlobalSecondaryIndexProps
            {
                IndexName = index.Name,
                PartitionKey = index.PartitionKey.ToAttribute(),
                SortKey = index.SortKey?.ToAttribute(),
                ProjectionType = ProjectionType.ALL,
            });
        }
        _ = new CfnOutput(this, $"{table.Name}-name", new CfnOutputProps
        {
            Value = construct.TableName,
            Description = $"The DynamoDB table '{table.Name}'.",
        });
        return construct;
    }

    /// <summary>
    /// The one place a function is made: its published project on the managed .NET 10 runtime, with
    /// the definition's memory, timeout, concurrency and environment. An environment value that names a
    /// table of the definition becomes the deployed table's name, and the function may read and write
    /// that table's data.
    /// </summary>
    private Function AddFunction(FunctionDefinition function)
    {
        if (function.Secrets.Count > 0 && !function.Layers.Any(layer => layer.Published?.StandIn == LayerStandIn.ParametersAndSecretsExtension))
        {
            throw new InvalidOperationException(
                $"Function '{function.Name}' reads secrets but runs with no layer that serves them: add the Parameters and Secrets extension layer to its Layers.");
        }
        var usedTables = new List<Table>();
        // A layer's settings first: the function's own environment wins.
        var environment = function.Layers.SelectMany(layer => layer.Environment).ToDictionary(StringComparer.Ordinal);
        foreach (var secret in function.Secrets)
        {
            if (function.Environment?.ContainsKey(secret.IdVariable) == true)
            {
                throw new InvalidOperationException(
                    $"Function '{function.Name}': its environment sets {secret.IdVariable}, which gives it the id of secret '{secret.Name}'; rename one of them.");
            }
            environment[secret.IdVariable] = secrets[secret.Name].SecretArn;
        }
        foreach (var (name, value) in function.Environment ?? new Dictionary<string, string>())
        {
            if (tables.TryGetValue(value, out var table))
            {
                usedTables.Add(table);
                environment[name] = table.TableName;
            }
            else
            {
                environment[name] = value;
            }
        }
        if (collectorLayer is not null)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = settings.OtelCollectorEndpoint.ToString();
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            environment["OTEL_SERVICE_NAME"] = function.Name;
        }

        var construct = new Function(this, function.Name, new FunctionProps
        {
            Description = $"{function.Name} ({function.ProjectPath})",
            Runtime = DotNet10,
            Architecture = Architecture.X86_64,
            Handler = function.AssemblyName,
            Code = Code.FromAsset(assets.DirectoryOf(function)),
            MemorySize = function.MemoryMb,
            Timeout = Duration.Seconds(function.TimeoutSeconds),
            ReservedConcurrentExecutions = function.ReservedConcurrency,
            Environment = environment,
            Layers = collectorLayer is null && function.Layers.Count == 0 ? null : [.. collectorLayer is null ? [] : new[] { collectorLayer }, .. function.Layers.Select(LayerOf)],
            Tracing = settings.XRayTracing ? Tracing.ACTIVE : null,
            LogGroup = new LogGroup(this, $"{function.Name}-logs", new LogGroupProps
            {
                Retention = settings.LogRetention,
                RemovalPolicy = settings.RemovalPolicy,
            }),
        });
        foreach (var table in usedTables.Distinct())
        {
            table.GrantReadWriteData(construct);
        }
        foreach (var secret in function.Secrets)
        {
            secrets[secret.Name].GrantRead(construct);
        }
        if (settings.ProvisionedConcurrency && function.ProvisionedConcurrency is > 0 and var provisioned)
        {
            var alias = new Alias(this, $"{function.Name}-live", new AliasProps
            {
                AliasName = "live",
                Version = construct.CurrentVersion,
                ProvisionedConcurrentExecutions = provisioned,
                Description = $"{function.Name} with {provisioned} environments initialised ahead of traffic.",
            });
            aliases.Add(function.Name, alias);
            _ = new CfnOutput(this, $"{function.Name}-alias", new CfnOutputProps
            {
                Value = alias.FunctionArn,
                Description = $"The alias of '{function.Name}' that carries its provisioned concurrency.",
            });
        }

        AddAlarm($"{function.Name}-errors", construct.MetricErrors(FiveMinuteSum()), 1,
            $"{function.Name} reported function errors.");
        AddAlarm($"{function.Name}-throttles", construct.MetricThrottles(FiveMinuteSum()), 1,
            $"{function.Name} was throttled: invocations exceeded its concurrency.");
        _ = new CfnOutput(this, $"{function.Name}-name", new CfnOutputProps
        {
            Value = construct.FunctionName,
            Description = $"The Lambda function '{function.Name}'.",
        });
        return construct;
    }

    /// <summary>
    /// A secret of the definition with a generated value (letters and digits), kept or removed with the
    /// stack as the tables are. Rotating it is <c>aws secretsmanager put-secret-value</c>: the new value
    /// becomes AWSCURRENT, the last one AWSPREVIOUS, and the functions accept both.
    /// </summary>
    private Secret AddSecret(SecretDefinition secret)
    {
        var construct = new Secret(this, secret.Name, new SecretProps
        {
            Description = secret.Description,
            GenerateSecretString = new SecretStringGenerator { PasswordLength = secret.GeneratedLength, ExcludePunctuation = true },
            RemovalPolicy = settings.RemovalPolicy,
        });
        _ = new CfnOutput(this, $"{secret.Name}-arn", new CfnOutputProps
        {
            Value = construct.SecretArn,
            Description = $"The secret '{secret.Name}': {secret.Description}",
        });
        return construct;
    }

    /// <summary>
    /// A layer of the definition, made once however many functions run with it: a layer version of its
    /// repository folder, or the ARN of a layer AWS publishes — from the context (<c>layerArn:NAME</c>),
    /// else for the stack's region, else (a stack for any region) looked up by region at deployment.
    /// </summary>
    private ILayerVersion LayerOf(LayerDefinition layer)
    {
        if (layers.TryGetValue(layer.Name, out var made))
        {
            return made;
        }
        ILayerVersion version;
        if (layer.ContentPath is { } contentPath)
        {
            var directory = RepositoryPaths.Find(contentPath) is { } found && Directory.Exists(found)
                ? found
                : throw new InvalidOperationException($"Layer '{layer.Name}': its folder '{contentPath}' was not found in '{Directory.GetCurrentDirectory()}' or above.");
            version = new LayerVersion(this, $"{layer.Name}-layer", new LayerVersionProps
            {
                Code = Code.FromAsset(directory),
                CompatibleArchitectures = [Architecture.X86_64],
                Description = $"{layer.Name} ({contentPath})",
                RemovalPolicy = settings.RemovalPolicy,
            });
        }
        else
        {
            var published = layer.Published!;
            var contextKey = "layerArn:" + layer.Name;
            var arn = Node.TryGetContext(contextKey) as string
                ?? (!Token.IsUnresolved(Region)
                    ? published.ArnsByRegion.GetValueOrDefault(Region)
                        ?? throw new InvalidOperationException($"Layer '{layer.Name}' has no ARN for region {Region} in the definition: give it with -c {contextKey}=arn:aws:lambda:{Region}:…")
                    : new CfnMapping(this, $"{layer.Name}-layer-arns", new CfnMappingProps
                    {
                        Mapping = published.ArnsByRegion.ToDictionary(entry => entry.Key, entry => (IDictionary<string, object>)new Dictionary<string, object> { ["arn"] = entry.Value }),
                    }).FindInMap(Aws.REGION, "arn"));
            version = LayerVersion.FromLayerVersionArn(this, $"{layer.Name}-layer", arn);
        }
        layers.Add(layer.Name, version);
        return version;
    }

    private HttpApi AddHttpApi(HttpApiDefinition api)
    {
        if (api.Kind != ApiKind.Http)
        {
            throw new NotSupportedException(
                $"API '{api.Name}' is a {api.Kind} API; the CDK app deploys HTTP APIs (payload format 2.0) only.");
        }
        var httpApi = new HttpApi(this, api.Name, new HttpApiProps
        {
            Description = $"{api.Name}: the routes of the app definition.",
            CorsPreflight = api.Cors?.ToPreflightOptions(),
            CreateDefaultStage = api.Stage == DefaultStage,
        });
        var url = api.Stage == DefaultStage
            ? httpApi.Url!
            : httpApi.AddStage(api.Stage, new HttpStageOptions { StageName = api.Stage, AutoDeploy = true }).Url;
        var authorizer = api.JwtAuthorizer is { } jwt
            ? new HttpJwtAuthorizer(jwt.Name, JwtIssuer().ValueAsString, new HttpJwtAuthorizerProps
            {
                AuthorizerName = jwt.Name,
                JwtAudience = [.. settings.JwtAudience ?? jwt.Audience],
            })
            : null;

        var integrations = new Dictionary<string, HttpLambdaIntegration>(StringComparer.Ordinal);
        foreach (var route in api.Routes)
        {
            if (route.RequiresApiKey)
            {
                throw new NotSupportedException($"Route '{route.RouteKey}' of '{api.Name}' requires an API key, which HTTP APIs do not have.");
            }
            if (route.RequiresJwt && authorizer is null)
            {
                throw new InvalidOperationException($"Route '{route.RouteKey}' of '{api.Name}' requires a JWT, but the API declares no JWT authorizer.");
            }
            if (!integrations.TryGetValue(route.Function, out var integration))
            {
                integration = new HttpLambdaIntegration($"{route.Function}-integration", FunctionNamed(route.Function, $"Route '{route.RouteKey}'"),
                    new HttpLambdaIntegrationProps { PayloadFormatVersion = PayloadFormatVersion.VERSION_2_0 });
                integrations.Add(route.Function, integration);
            }
            _ = new HttpRoute(httpApi, route.RouteKey, new HttpRouteProps
            {
                HttpApi = httpApi,
                RouteKey = route.ToRouteKey(),
                Integration = integration,
                Authorizer = route.RequiresJwt ? authorizer : null,
                AuthorizationScopes = route.RequiresJwt && route.Scopes is { Count: > 0 } scopes ? [.. scopes] : null,
            });
        }

        AddAlarm($"{api.Name}-5xx", httpApi.MetricServerError(FiveMinuteSum()), 1,
            $"{api.Name} answered with 5xx errors.");
        _ = new CfnOutput(this, $"{api.Name}-url", new CfnOutputProps
        {
            Value = url,
            Description = $"The URL of the HTTP API '{api.Name}'.",
        });
        return httpApi;
    }

    private CfnParameter JwtIssuer() => jwtIssuer ??= new CfnParameter(this, JwtIssuerParameter, new CfnParameterProps
    {
        Type = "String",
        Description = "The JWT issuer URL the HTTP API trusts (its OpenID configuration must be reachable from AWS).",
        Default = settings.JwtIssuer,
        AllowedPattern = "https://.+",
        ConstraintDescription = "an https URL",
    });

    private Queue AddStreamEventSource(string functionName, StreamEventSourceDefinition source)
    {
        var usedBy = $"The stream event source of '{functionName}'";
        var tableDefinition = definition.Tables.SingleOrDefault(table => table.Name == source.Table)
            ?? throw new InvalidOperationException($"{usedBy} reads table '{source.Table}', which the definition does not declare.");
        if (tableDefinition.Stream is null)
        {
            throw new InvalidOperationException($"{usedBy} reads the stream of table '{source.Table}', which has no stream.");
        }
        var function = Invoked(functionName);
        var failures = new Queue(this, $"{source.Table}-{functionName}-on-failure", new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(14),
            RemovalPolicy = settings.RemovalPolicy,
        });
        function.AddEventSource(new DynamoEventSource(tables[source.Table], new DynamoEventSourceProps
        {
            StartingPosition = source.StartingPosition.ToLambda(),
            BatchSize = source.BatchSize,
            MaxBatchingWindow = source.MaximumBatchingWindowSeconds > 0 ? Duration.Seconds(source.MaximumBatchingWindowSeconds) : null,
            RetryAttempts = source.MaximumRetryAttempts,
            BisectBatchOnError = source.BisectBatchOnFunctionError,
            ReportBatchItemFailures = source.ReportBatchItemFailures,
            OnFailure = new SqsDlq(failures),
            Filters = source.FilterPatterns is { Count: > 0 } patterns ? [.. patterns.Select(FilterOf)] : null,
        }));

        AddAlarm($"{source.Table}-{functionName}-iterator-age",
            function.Metric("IteratorAge", new MetricOptions { Statistic = Stats.MAXIMUM, Period = Duration.Minutes(1) }),
            Duration.Minutes(5).ToMilliseconds(),
            $"{functionName} is more than five minutes behind the stream of '{source.Table}'.",
            evaluationPeriods: 5);
        AddAlarm($"{source.Table}-{functionName}-failed-batches",
            failures.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Statistic = Stats.MAXIMUM, Period = Duration.Minutes(5) }), 1,
            $"Batches from the stream of '{source.Table}' failed every retry of {functionName}; their positions are in the queue.");
        return failures;
    }

    /// <summary>
    /// A queue of the definition, encrypted and reachable over TLS only, with its dead-letter queue (kept
    /// 14 days, alarmed on its first message), an alarm on the age of its oldest message, and a managed
    /// policy that may only send to it, for the producers outside the stack (game servers).
    /// </summary>
    private QueueResources AddQueue(QueueDefinition queue)
    {
        var usedBy = $"Queue '{queue.Name}'";
        if (queue.VisibilityTimeoutSeconds is < 0 or > MaximumVisibilityTimeoutSeconds)
        {
            throw new ArgumentException($"{usedBy} has a visibility timeout of {queue.VisibilityTimeoutSeconds} s; SQS allows 0 to {MaximumVisibilityTimeoutSeconds} s (12 hours).");
        }
        if (queue.MessageRetentionSeconds is < 60 or > MaximumRetentionSeconds)
        {
            throw new ArgumentException($"{usedBy} keeps messages {queue.MessageRetentionSeconds} s; SQS allows 60 s to {MaximumRetentionSeconds} s (14 days).");
        }
        if (queue.MaxReceiveCount is < 1 or > 1000)
        {
            throw new ArgumentException($"{usedBy} moves messages to its dead-letter queue after {queue.MaxReceiveCount} receives; SQS allows 1 to 1000.");
        }
        var fifo = queue.IsFifo ? true : (bool?)null;
        Queue? deadLetters = null;
        if (queue.DeadLetterQueueName is { } deadLetterName)
        {
            deadLetters = new Queue(this, deadLetterName, new QueueProps
            {
                Fifo = fifo,
                Encryption = QueueEncryption.SQS_MANAGED,
                EnforceSSL = true,
                RetentionPeriod = Duration.Days(14),
                RemovalPolicy = settings.RemovalPolicy,
            });
            AddAlarm($"{deadLetterName}-messages",
                deadLetters.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Statistic = Stats.MAXIMUM, Period = Duration.Minutes(1) }), 1,
                $"Messages of '{queue.Name}' failed {queue.MaxReceiveCount} receives and wait in '{deadLetterName}'; redrive them once the cause is fixed.");
            _ = new CfnOutput(this, $"{deadLetterName}-url", new CfnOutputProps
            {
                Value = deadLetters.QueueUrl,
                Description = $"The URL of the dead-letter queue of '{queue.Name}'.",
            });
        }
        var construct = new Queue(this, queue.Name, new QueueProps
        {
            Fifo = fifo,
            // A FIFO queue's producers need not invent deduplication ids: the body's hash is one.
            ContentBasedDeduplication = fifo,
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            VisibilityTimeout = Duration.Seconds(queue.VisibilityTimeoutSeconds),
            RetentionPeriod = Duration.Seconds(queue.MessageRetentionSeconds),
            DeadLetterQueue = deadLetters is null ? null : new DeadLetterQueue { Queue = deadLetters, MaxReceiveCount = queue.MaxReceiveCount!.Value },
            RemovalPolicy = settings.RemovalPolicy,
        });
        AddAlarm($"{queue.Name}-oldest-message-age",
            construct.MetricApproximateAgeOfOldestMessage(new MetricOptions { Statistic = Stats.MAXIMUM, Period = Duration.Minutes(1) }),
            OldestMessageAgeAlarm.TotalSeconds,
            $"A message has waited in '{queue.Name}' for more than {OldestMessageAgeAlarm.TotalMinutes:0} minutes: its consumers fall behind or fail.",
            evaluationPeriods: 5);
        var senders = new ManagedPolicy(this, $"{queue.Name}-senders", new ManagedPolicyProps
        {
            Description = $"May send messages to '{queue.Name}' and nothing else: for the producers outside the stack.",
            Statements =
            [
                new PolicyStatement(new PolicyStatementProps
                {
                    Actions = [.. QueueSenderActions],
                    Resources = [construct.QueueArn],
                }),
            ],
        });
        _ = new CfnOutput(this, $"{queue.Name}-url", new CfnOutputProps
        {
            Value = construct.QueueUrl,
            Description = $"The URL of the queue '{queue.Name}'.",
        });
        _ = new CfnOutput(this, $"{queue.Name}-arn", new CfnOutputProps
        {
            Value = construct.QueueArn,
            Description = $"The ARN of the queue '{queue.Name}'.",
        });
        _ = new CfnOutput(this, $"{queue.Name}-senders-policy", new CfnOutputProps
        {
            Value = senders.ManagedPolicyArn,
            Description = $"The managed policy to attach to whoever sends to '{queue.Name}'.",
        });
        return new QueueResources(construct, deadLetters, senders);
    }

    /// <summary>
    /// A function reading a queue, with Lambda's SQS event source mapping; the function's role may receive,
    /// delete and change the visibility of that queue's messages, not send.
    /// </summary>
    private void AddQueueEventSource(FunctionDefinition function, QueueEventSourceDefinition source)
    {
        var usedBy = $"The queue event source of '{function.Name}'";
        var queue = definition.Queues.SingleOrDefault(queue => queue.Name == source.Queue)
            ?? throw new InvalidOperationException($"{usedBy} reads queue '{source.Queue}', which the definition does not declare.");
        if (queue.VisibilityTimeoutSeconds < function.TimeoutSeconds)
        {
            throw new InvalidOperationException(
                $"{usedBy} reads queue '{queue.Name}', whose visibility timeout ({queue.VisibilityTimeoutSeconds} s) is shorter than the function's timeout ({function.TimeoutSeconds} s), which Lambda refuses; give the queue at least {6 * function.TimeoutSeconds} s (AWS advises six times the function's timeout).");
        }
        var largestBatch = queue.IsFifo ? 10 : 10_000;
        if (source.BatchSize < 1 || source.BatchSize > largestBatch)
        {
            throw new ArgumentException($"{usedBy} reads batches of {source.BatchSize} from '{queue.Name}'; Lambda allows 1 to {largestBatch} for a {(queue.IsFifo ? "FIFO" : "standard")} queue.");
        }
        if (source.MaximumBatchingWindowSeconds is < 0 or > 300)
        {
            throw new ArgumentException($"{usedBy} gathers a batch for {source.MaximumBatchingWindowSeconds} s; Lambda allows 0 to 300 s.");
        }
        if (queue.IsFifo && source.MaximumBatchingWindowSeconds > 0)
        {
            throw new ArgumentException($"{usedBy} gathers batches of FIFO queue '{queue.Name}' for {source.MaximumBatchingWindowSeconds} s; Lambda has no batching window for FIFO queues.");
        }
        if (source.BatchSize > 10 && source.MaximumBatchingWindowSeconds < 1)
        {
            throw new ArgumentException($"{usedBy} reads batches of {source.BatchSize} from '{queue.Name}' without a batching window; Lambda needs a window of at least 1 s for batches over 10.");
        }
        if (source.MaximumConcurrency is < 2 or > 1000)
        {
            throw new ArgumentException($"{usedBy} has a maximum concurrency of {source.MaximumConcurrency}; Lambda allows 2 to 1000.");
        }
        Invoked(function.Name).AddEventSource(new SqsEventSource(queues[queue.Name].Queue, new SqsEventSourceProps
        {
            BatchSize = source.BatchSize,
            MaxBatchingWindow = source.MaximumBatchingWindowSeconds > 0 ? Duration.Seconds(source.MaximumBatchingWindowSeconds) : null,
            MaxConcurrency = source.MaximumConcurrency,
            ReportBatchItemFailures = source.ReportBatchItemFailures,
        }));
    }

    /// <summary>One filter of a mapping's filter criteria: the pattern exactly as the definition writes it.</summary>
    private static Dictionary<string, object> FilterOf(string pattern) => new(StringComparer.Ordinal) { ["pattern"] = pattern };

    private Rule AddSchedule(string functionName, ScheduleDefinition schedule)
    {
        if (!schedule.Expression.StartsWith("rate(", StringComparison.Ordinal) && !schedule.Expression.StartsWith("cron(", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Schedule '{schedule.Name}' of function '{functionName}' has expression '{schedule.Expression}'; use rate(...) or cron(...).");
        }
        return new Rule(this, schedule.Name, new RuleProps
        {
            Description = $"{schedule.Name}: {schedule.Expression} → {functionName}",
            Schedule = Schedule.Expression(schedule.Expression),
            Targets = [new LambdaFunction(Invoked(functionName))],
        });
    }

    /// <summary>
    /// A WebSocket API with its routes, each a Lambda proxy integration of the function it names (two-way
    /// routes send the function's response back), and its stage, deployed automatically. Every function
    /// with a route gets the stage's Management API endpoint and may post to this stage's connections.
    /// </summary>
    private WebSocketStage AddWebSocketApi(WebSocketApiDefinition api)
    {
        var webSocketApi = new WebSocketApi(this, api.Name, new WebSocketApiProps
        {
            Description = $"{api.Name}: the WebSocket routes of the app definition.",
            RouteSelectionExpression = api.RouteSelectionExpression,
        });
        var stage = new WebSocketStage(this, $"{api.Name}-stage", new WebSocketStageProps
        {
            WebSocketApi = webSocketApi,
            StageName = api.Stage,
            AutoDeploy = true,
        });
        foreach (var route in api.Routes)
        {
            // One integration per route: Lambda's permission for API Gateway names the route it invokes the function for.
            var handler = FunctionNamed(route.Function, $"WebSocket route '{route.RouteKey}' of '{api.Name}'");
            webSocketApi.AddRoute(route.RouteKey, new WebSocketRouteOptions
            {
                Integration = new WebSocketLambdaIntegration($"{api.Name}-{route.RouteKey}-integration", handler),
                ReturnResponse = route.ReturnsResponse,
            });
        }
        var postToConnections = new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["execute-api:ManageConnections"],
            Resources = [webSocketApi.ArnForExecuteApi("POST", "/@connections/*", api.Stage)],
        });
        foreach (var name in api.Routes.Select(route => route.Function).Distinct())
        {
            if (!webSocketApiOfFunction.TryAdd(name, api.Name))
            {
                throw new InvalidOperationException(
                    $"Function '{name}' has routes in WebSocket APIs '{webSocketApiOfFunction[name]}' and '{api.Name}'; its {WebSocketApiDefinition.ManagementEndpointVariable} can name one API only.");
            }
            functions[name].AddEnvironment(WebSocketApiDefinition.ManagementEndpointVariable, stage.CallbackUrl);
            functions[name].AddToRolePolicy(postToConnections);
        }

        _ = new CfnOutput(this, $"{api.Name}-url", new CfnOutputProps
        {
            Value = stage.Url,
            Description = $"The URL of the WebSocket API '{api.Name}'.",
        });
        return stage;
    }

    /// <summary>
    /// A static site: its folder and a <c>config.json</c> naming its WebSocket API's URL, deployed to a
    /// private bucket that only the site's CloudFront distribution reads (origin access control).
    /// </summary>
    private StaticSite AddSite(StaticSiteDefinition site)
    {
        if (!webSocketStages.TryGetValue(site.WebSocketApi, out var stage))
        {
            throw new InvalidOperationException($"Site '{site.Name}' talks to WebSocket API '{site.WebSocketApi}', which the definition does not declare.");
        }
        var directory = RepositoryPaths.Find(site.Directory) is { } found && Directory.Exists(found)
            ? found
            : throw new InvalidOperationException(
                $"Site '{site.Name}': its folder '{site.Directory}' was not found in '{Directory.GetCurrentDirectory()}' or above. Run the CDK app from the repository (cd cdk && npx cdk synth).");

        var bucket = new Bucket(this, $"{site.Name}-bucket", new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            RemovalPolicy = settings.RemovalPolicy,
            AutoDeleteObjects = settings.RemovalPolicy == RemovalPolicy.DESTROY,
        });
        var distribution = new Distribution(this, $"{site.Name}-distribution", new DistributionProps
        {
            Comment = $"{site.Name} ({site.Directory})",
            DefaultRootObject = SiteIndexFile,
            DefaultBehavior = new BehaviorOptions
            {
                Origin = S3BucketOrigin.WithOriginAccessControl(bucket),
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            },
        });
        var deployment = new BucketDeployment(this, $"{site.Name}-deployment", new BucketDeploymentProps
        {
            DestinationBucket = bucket,
            // The config comes last, so it replaces any config.json in the folder.
            Sources =
            [
                Source.Asset(directory),
                Source.JsonData(SiteConfigFile, new Dictionary<string, object>(StringComparer.Ordinal) { ["websocketUrl"] = stage.Url }),
            ],
            CacheControl = [CacheControl.SetPublic(), CacheControl.MaxAge(SiteCacheDuration)],
            LogGroup = siteDeploymentLogs ??= new LogGroup(this, "site-deployment-logs", new LogGroupProps
            {
                Retention = settings.LogRetention,
                RemovalPolicy = settings.RemovalPolicy,
            }),
        });

        _ = new CfnOutput(this, $"{site.Name}-url", new CfnOutputProps
        {
            Value = $"https://{distribution.DistributionDomainName}/",
            Description = $"The URL of the site '{site.Name}'.",
        });
        return new StaticSite(bucket, deployment, distribution);
    }

    /// <summary>What a route, mapping or schedule invokes: the function's provisioned alias when it has one, else the function.</summary>
    private IFunction Invoked(string name) => aliases.TryGetValue(name, out var alias) ? alias : functions[name];

    /// <summary>What a route names, refused when the definition declares no such function.</summary>
    private IFunction FunctionNamed(string name, string usedBy) =>
        functions.ContainsKey(name) ? Invoked(name)
        : throw new InvalidOperationException($"{usedBy} invokes function '{name}', which the definition does not declare.");

    private static MetricOptions FiveMinuteSum() => new() { Statistic = Stats.SUM, Period = Duration.Minutes(5) };

    private void AddAlarm(string id, IMetric metric, double threshold, string description, int evaluationPeriods = 1)
    {
        var alarm = new Alarm(this, id, new AlarmProps
        {
            AlarmDescription = description,
            Metric = metric,
            Threshold = threshold,
            EvaluationPeriods = evaluationPeriods,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        if (alarmTopic is not null)
        {
            alarm.AddAlarmAction(new SnsAction(alarmTopic));
        }
        alarms.Add(alarm);
    }
}
