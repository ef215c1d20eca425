using System.Text.Json.Nodes;
using AppHost.Definition;
using Leaderboard.Cdk;

namespace Cdk.Tests;

/// <summary>The live board page: its folder and its <c>config.json</c> in a private bucket that only its CloudFront distribution reads.</summary>
public sealed class SiteTests(LeaderboardStackFixture fixture) : IClassFixture<LeaderboardStackFixture>
{
    private readonly Synthesis synthesized = fixture.Synthesized;

    private string SiteBucket => synthesized.LogicalId(synthesized.Stack.Sites[LeaderboardApp.LiveBoard.Name].Bucket);

    private string SiteDistribution => synthesized.LogicalId(synthesized.Stack.Sites[LeaderboardApp.LiveBoard.Name].Distribution);

    [Fact]
    public void TheBucketIsPrivateEncryptedTlsOnlyAndKeptWhenTheStackIsDestroyed()
    {
        var bucket = synthesized.Json["Resources"]![SiteBucket]!;
        var publicAccess = bucket["Properties"]!["PublicAccessBlockConfiguration"]!.AsObject();

        Assert.Equal(["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], publicAccess.Select(setting => setting.Key).Order());
        Assert.All(publicAccess, setting => Assert.True((bool?)setting.Value));
        Assert.Equal("AES256", (string?)bucket["Properties"]!["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]);
        Assert.Null(bucket["Properties"]!["WebsiteConfiguration"]);
        Assert.Equal("Retain", (string?)bucket["DeletionPolicy"]);
        Assert.Contains(BucketPolicy(), statement =>
            (string?)statement["Effect"] == "Deny"
            && (string?)statement["Condition"]?["Bool"]?["aws:SecureTransport"] == "false");
    }

    [Fact]
    public void OnlyTheSitesDistributionMayReadTheBucket()
    {
        var allowed = BucketPolicy().Where(statement => (string?)statement["Effect"] == "Allow").ToList();

        var statement = Assert.Single(allowed);
        Assert.Equal("cloudfront.amazonaws.com", (string?)statement["Principal"]!["Service"]);
        Assert.Equal(["s3:GetObject"], Intrinsics.Strings(statement["Action"]));
        Assert.Equal($"${{{SiteBucket}.Arn}}/*", Intrinsics.Render(statement["Resource"]));
        Assert.Equal(
            $"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{SiteDistribution}}}",
            Intrinsics.Render(statement["Condition"]!["StringEquals"]!["AWS:SourceArn"]));
    }

    [Fact]
    public void TheDistributionServesTheBucketThroughOriginAccessControlOverHttpsWithTheIndexAtTheRoot()
    {
        var config = synthesized.Properties(SiteDistribution)["DistributionConfig"]!;
        var origin = Assert.Single(config["Origins"]!.AsArray())!;

        Assert.Equal(LeaderboardStack.SiteIndexFile, (string?)config["DefaultRootObject"]);
        Assert.Equal("redirect-to-https", (string?)config["DefaultCacheBehavior"]!["ViewerProtocolPolicy"]);
        Assert.Equal(SiteBucket, Intrinsics.GetAtt(origin["DomainName"], "RegionalDomainName"));
        var accessControl = synthesized.Properties(Intrinsics.GetAtt(origin["OriginAccessControlId"], "Id")!)["OriginAccessControlConfig"]!;
        Assert.Equal("s3", (string?)accessControl["OriginAccessControlOriginType"]);
        Assert.Equal("always", (string?)accessControl["SigningBehavior"]);
        Assert.Equal("sigv4", (string?)accessControl["SigningProtocol"]);
    }

    [Fact]
    public void TheDeploymentCopiesTheSitesFolderIntoTheBucket()
    {
        var deployment = Deployment();
        var folder = Path.Combine(RepositoryRoot(), LeaderboardApp.LiveBoard.Directory);

        Assert.Equal(SiteBucket, Intrinsics.Ref(deployment["DestinationBucketName"]));
        Assert.True((bool?)deployment["Prune"]);
        var keys = Intrinsics.Strings(deployment["SourceObjectKeys"]);
        Assert.Equal(2, keys.Count);
        Assert.Equal(Files(folder), Files(synthesized.AssetDirectory(keys[0])));
    }

    [Fact]
    public void TheConfigBesideThePageNamesTheWebSocketApisStageUrl()
    {
        var deployment = Deployment();
        var api = synthesized.LogicalId(synthesized.Stack.WebSocketStages[LeaderboardApp.LiveBoard.WebSocketApi].Api);
        var configAsset = synthesized.AssetDirectory(Intrinsics.Strings(deployment["SourceObjectKeys"])[1]);

        Assert.Equal([LeaderboardStack.SiteConfigFile], Files(configAsset));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(configAsset, LeaderboardStack.SiteConfigFile)))!.AsObject();
        Assert.Equal(["websocketUrl"], config.Select(member => member.Key));
        // The deployment replaces each marker with the value it stands for when it copies the file.
        var markers = deployment["SourceMarkers"]![1]!.AsObject();
        var websocketUrl = markers.Aggregate((string)config["websocketUrl"]!, (url, marker) => url.Replace(marker.Key, Intrinsics.Render(marker.Value), StringComparison.Ordinal));
        Assert.Equal($"wss://${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{LeaderboardApp.WebSocketApi.Stage}", websocketUrl);
    }

    [Fact]
    public void TheSitesFilesAreCachedBrieflySoARedeployShowsWithoutAnInvalidation()
    {
        Assert.Equal("public, max-age=60", (string?)Deployment()["SystemMetadata"]!["cache-control"]);
        Assert.Null(Deployment()["DistributionId"]);
    }

    private JsonNode Deployment() =>
        Assert.Single(synthesized.Resources("Custom::CDKBucketDeployment").Values)["Properties"]!;

    private List<JsonNode> BucketPolicy() =>
        [.. Assert.Single(synthesized.Resources("AWS::S3::BucketPolicy").Values, policy => Intrinsics.Ref(policy["Properties"]!["Bucket"]) == SiteBucket)
            ["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Select(statement => statement!)];

    /// <summary>The files under a folder, by their path relative to it (none when the folder is empty).</summary>
    private static List<string> Files(string directory) =>
        [.. Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Select(file => Path.GetRelativePath(directory, file).Replace('\\', '/')).Order(StringComparer.Ordinal)];

    private static string RepositoryRoot() => Synthesis.CdkDirectory().Parent!.FullName;
}
