using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Constructs;

namespace Leaderboard.Cdk;

/// <summary>
/// What the CI stack trusts: one GitHub repository, the account's GitHub OIDC provider (made by the stack
/// unless one exists), and the qualifier of the CDK bootstrap whose roles the pipeline assumes.
/// </summary>
public sealed partial class LeaderboardCiStackProps : StackProps
{
    /// <summary>The qualifier <c>cdk bootstrap</c> uses unless told otherwise.</summary>
    public const string DefaultBootstrapQualifier = "hnb659fds";

    /// <summary>The repository whose workflows may deploy, as <c>owner/name</c>.</summary>
    public required string GitHubRepository { get; init; }

    /// <summary>
    /// The ARN of the account's existing OIDC provider for GitHub Actions; an account holds one provider per
    /// issuer URL, so a second stack or an earlier set-up passes its ARN instead of creating another.
    /// </summary>
    public string? OidcProviderArn { get; init; }

    /// <summary>
    /// The bootstrap qualifier in the bootstrap roles' names (<c>cdk-{qualifier}-deploy-role-...</c>): CDK's own
    /// context value <c>@aws-cdk/core:bootstrapQualifier</c>, which every stack's synthesizer reads too.
    /// </summary>
    public string BootstrapQualifier { get; init; } = DefaultBootstrapQualifier;

    /// <summary>
    /// The CI stack's settings from context, or none when <c>githubRepository</c> is absent (the app then
    /// synthesizes the app's stack alone).
    /// </summary>
    public static LeaderboardCiStackProps? FromContext(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Read(node, ContextKeys.GitHubRepository) is not { } repository)
        {
            return null;
        }
        if (!Repository().IsMatch(repository))
        {
            throw new ArgumentException(
                $"Context '{ContextKeys.GitHubRepository}' is '{repository}'; use the repository as owner/name, such as octo-org/leaderboard.");
        }
        var qualifier = Read(node, ContextKeys.BootstrapQualifier) ?? DefaultBootstrapQualifier;
        if (!Qualifier().IsMatch(qualifier))
        {
            throw new ArgumentException(
                $"Context '{ContextKeys.BootstrapQualifier}' is '{qualifier}'; a bootstrap qualifier is 1 to 10 lower-case letters or digits (the default is {DefaultBootstrapQualifier}).");
        }
        var providerArn = Read(node, ContextKeys.GitHubOidcProviderArn);
        if (providerArn is not null && !providerArn.StartsWith("arn:", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Context '{ContextKeys.GitHubOidcProviderArn}' is '{providerArn}'; use the provider's ARN (arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com).");
        }
        return new LeaderboardCiStackProps
        {
            GitHubRepository = repository,
            OidcProviderArn = providerArn,
            BootstrapQualifier = qualifier,
            Description = $"Lets the GitHub Actions workflows of {repository} deploy the leaderboard app through the CDK bootstrap roles.",
        };
    }

    private static string? Read(Node node, string key) =>
        Convert.ToString(node.TryGetContext(key), CultureInfo.InvariantCulture) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex Repository();

    [GeneratedRegex("^[a-z0-9]{1,10}$", RegexOptions.CultureInvariant)]
    private static partial Regex Qualifier();
}

/// <summary>
/// Deployed once by hand per account and region: the OIDC provider that lets GitHub Actions sign in without
/// stored keys, and the role its workflows assume. The role may do one thing: assume the CDK bootstrap roles
/// (deploy, file publishing, lookup) of this account and region, which is all <c>cdk diff</c> and
/// <c>cdk deploy</c> need. Only tokens GitHub issues for the one repository, for AWS STS, are trusted.
/// </summary>
[SuppressMessage("Naming", "CA1711", Justification = "CDK apps name their stacks XxxStack.")]
public sealed class LeaderboardCiStack : Stack
{
    /// <summary>The CI stack's name.</summary>
    public const string Name = "leaderboard-ci";

    /// <summary>The issuer of GitHub Actions' OIDC tokens (its host names the token's claims in conditions).</summary>
    public const string GitHubTokenIssuer = "token.actions.githubusercontent.com";

    /// <summary>The audience <c>aws-actions/configure-aws-credentials</c> asks GitHub to put in the token.</summary>
    public const string TokenAudience = "sts.amazonaws.com";

    /// <summary>The stack output holding the role's ARN, which the workflows read as <c>AWS_DEPLOY_ROLE_ARN</c>.</summary>
    public const string DeployRoleArnOutput = "DeployRoleArn";

    /// <summary>The bootstrap roles the deploy role may assume, by the part of their name after the qualifier.</summary>
    public static readonly IReadOnlyList<string> BootstrapRoles = ["deploy-role", "file-publishing-role", "lookup-role"];

    public LeaderboardCiStack(Construct scope, string id, LeaderboardCiStackProps props)
        : base(scope, id, props)
    {
        ArgumentNullException.ThrowIfNull(props);
        var providerArn = props.OidcProviderArn ?? new CfnOIDCProvider(this, "GitHubOidcProvider", new CfnOIDCProviderProps
        {
            Url = "https://" + GitHubTokenIssuer,
            ClientIdList = [TokenAudience],
        }).AttrArn;

        DeployRole = new Role(this, "DeployRole", new RoleProps
        {
            Description = $"Assumed by the GitHub Actions workflows of {props.GitHubRepository}; may only assume the CDK bootstrap roles.",
            AssumedBy = new WebIdentityPrincipal(providerArn, new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { [GitHubTokenIssuer + ":aud"] = TokenAudience },
                ["StringLike"] = new Dictionary<string, object> { [GitHubTokenIssuer + ":sub"] = $"repo:{props.GitHubRepository}:*" },
            }),
            MaxSessionDuration = Duration.Hours(1),
        });
        DeployRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AssumeCdkBootstrapRoles",
            Actions = ["sts:AssumeRole"],
            Resources = [.. BootstrapRoles.Select(role =>
                $"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/cdk-{props.BootstrapQualifier}-{role}-{Aws.ACCOUNT_ID}-{Aws.REGION}")],
        }));

        _ = new CfnOutput(this, DeployRoleArnOutput, new CfnOutputProps
        {
            Description = "The role the workflows assume: set it as the repository variable AWS_DEPLOY_ROLE_ARN.",
            Value = DeployRole.RoleArn,
        });
    }

    /// <summary>The role the workflows assume through OIDC.</summary>
    public Role DeployRole { get; }
}
