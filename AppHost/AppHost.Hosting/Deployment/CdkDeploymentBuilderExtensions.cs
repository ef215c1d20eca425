using AppHost.Hosting.Deployment;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// Aspire 13.6's pipeline (steps, their reporting and the publish output folder) is experimental.
#pragma warning disable ASPIREPIPELINES001, ASPIREPIPELINES004

namespace Aspire.Hosting;

/// <summary>
/// The CDK app as the AppHost's deployment: <c>aspire publish</c> synthesizes it into the publish
/// output, <c>aspire deploy</c> shows <c>cdk diff</c> and runs <c>cdk deploy</c>.
/// </summary>
public static class CdkDeploymentBuilderExtensions
{
    /// <summary>
    /// The CDK app in <paramref name="appDirectory"/> (relative to the AppHost's folder) as pipeline steps:
    /// <c>{name}-synth</c> for publish (<c>cdk synth</c> into <c>{output}/{name}</c>), <c>{name}-diff</c>
    /// then <c>{name}-deploy</c> for deploy, each with the stage and context of the <c>Cdk</c> section.
    /// In run mode the resource stays out of the model.
    /// </summary>
    public static IResourceBuilder<CdkAppResource> AddCdkApp(this IDistributedApplicationBuilder builder, string name, string appDirectory)
    {
        var options = builder.Configuration.GetSection(CdkDeploymentOptions.SectionName).Get<CdkDeploymentOptions>() ?? new CdkDeploymentOptions();
        var app = new CdkAppResource(name, Path.GetFullPath(appDirectory, builder.AppHostDirectory), options);
        if (builder.ExecutionContext.IsRunMode)
        {
            return builder.CreateResourceBuilder(app);
        }
        return builder.AddResource(app)
            .ExcludeFromManifest()
            .WithPipelineStepFactory(_ => PipelineSteps(app));
    }

    private static IEnumerable<PipelineStep> PipelineSteps(CdkAppResource app)
    {
        var synth = new PipelineStep
        {
            Name = $"{app.Name}-synth",
            Description = $"Synthesizes the CDK app in {app.AppDirectory} into the publish output.",
            Action = async context =>
            {
                var output = context.Services.GetRequiredService<IPipelineOutputService>().GetOutputDirectory(app);
                await CdkCli.RunAsync(app, ["synth", "--quiet", "--output", output, .. app.Options.ContextArguments()], context.ReportingStep, context.CancellationToken);
                context.Summary.Add("CDK cloud assembly", output);
            },
        };
        synth.DependsOn(WellKnownPipelineSteps.PublishPrereq);
        synth.RequiredBy(WellKnownPipelineSteps.Publish);

        var diff = new PipelineStep
        {
            Name = $"{app.Name}-diff",
            Description = $"Shows what deploying the CDK app in {app.AppDirectory} changes.",
            Action = context => CdkCli.RunAsync(app, ["diff", .. app.Options.ContextArguments()], context.ReportingStep, context.CancellationToken),
        };
        diff.DependsOn(WellKnownPipelineSteps.DeployPrereq);

        var deploy = new PipelineStep
        {
            Name = $"{app.Name}-deploy",
            Description = $"Deploys the CDK app in {app.AppDirectory} (stage {app.Options.Stage}).",
            Action = context => CdkCli.RunAsync(
                app, ["deploy", "--all", "--require-approval", "never", .. app.Options.ContextArguments()], context.ReportingStep, context.CancellationToken),
        };
        deploy.DependsOn(diff);
        deploy.RequiredBy(WellKnownPipelineSteps.Deploy);

        return [synth, diff, deploy];
    }
}
