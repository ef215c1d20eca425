using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Leaderboard.Cdk;

/// <summary>
/// Puts the handlers that CDK brings with its constructs on runtimes that Lambda still creates.
/// Amazon.CDK.Lib 2.160 pins them to runtimes AWS has since retired: <c>BucketDeployment</c>'s handler
/// to <c>python3.11</c> (creation disabled 2026-07-31) and the bucket auto-delete provider (used with
/// <c>removalPolicy=destroy</c>) to <c>nodejs20.x</c> or older by region (creation disabled 2026-06-01).
/// The app's own functions, on the .NET runtime, are left alone. The lint test in <c>Tests/Cdk.Tests</c>
/// runs cfn-lint on every variant, so the day these runtimes age too, a test names them.
/// </summary>
public sealed class BundledHandlerRuntimes : DeputyBase, IAspect
{
    /// <summary>
    /// For <c>BucketDeployment</c>'s handler and the AWS CLI v1 layer it runs (awscli 1.31, botocore 1.33,
    /// both run on Python 3.13); supported by Lambda until 2029.
    /// </summary>
    public const string Python = "python3.13";

    /// <summary>
    /// For CDK's custom resource providers, which are Node.js handlers written as <c>async</c> functions on
    /// the AWS SDK v3 the runtime includes; supported by Lambda until 2028.
    /// </summary>
    public const string NodeJs = "nodejs24.x";

    private const string LambdaFunctionType = "AWS::Lambda::Function";

    /// <summary>The mapping in which CDK's providers look up the newest Node.js runtime of the stack's region.</summary>
    private const string NodeRuntimeMapping = "LatestNodeRuntimeMap";

    public void Visit(IConstruct node)
    {
        switch (node)
        {
            case CfnFunction function when function.Runtime?.StartsWith("python", StringComparison.Ordinal) == true:
                function.Runtime = Python;
                break;
            case CfnFunction function when function.Runtime?.StartsWith("nodejs", StringComparison.Ordinal) == true:
                function.Runtime = NodeJs;
                break;
            // CDK's custom resource providers are plain resources of the function type (not CfnFunction),
            // and every one of them is a Node.js handler.
            case CfnResource resource when resource is not CfnFunction && resource.CfnResourceType == LambdaFunctionType:
                resource.AddPropertyOverride("Runtime", NodeJs);
                // The region-to-runtime table the provider chose from is then unused.
                Stack.Of(resource).Node.TryRemoveChild(NodeRuntimeMapping);
                break;
        }
    }
}
