using System.Text.RegularExpressions;

namespace Leaderboard.Cdk;

/// <summary>Lambda layer version ARNs: <c>arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION</c>.</summary>
public static partial class LayerArns
{
    /// <summary>The second-level key of a layer's region mapping (region → <c>arn</c> → the ARN).</summary>
    public const string MappingKey = "arn";

    /// <summary>The region of a layer version ARN; null when <paramref name="arn"/> is none.</summary>
    public static string? RegionOf(string arn) =>
        LayerVersionArn().Match(arn) is { Success: true } match ? match.Groups["region"].Value : null;

    [GeneratedRegex(@"^arn:aws[a-z-]*:lambda:(?<region>[a-z]{2}(-[a-z]+)+-\d+):\d{12}:layer:[A-Za-z0-9_-]{1,140}:\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex LayerVersionArn();
}
