using System.Security.Cryptography;
using AppHost.Definition;
using AppHost.Emulators.Secrets;
using AppHost.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>The app's Secrets Manager secrets, served locally by each environment's Parameters and Secrets extension.</summary>
public static class SecretBuilderExtensions
{
    /// <summary>
    /// A secret of the app definition. Its value is the Aspire secret parameter of the same name
    /// (<c>Parameters:{name}</c> in user secrets or the environment, masked in the dashboard); without one,
    /// a value is generated as CDK's would be (letters and digits) and kept in the AppHost's user secrets.
    /// <c>Parameters:{name}-previous</c>, when set, is served as the previous version during a rotation.
    /// The "Rotate" command makes a new value current and the current one previous, as
    /// <c>aws secretsmanager put-secret-value</c> does, until the AppHost stops.
    /// </summary>
    public static IResourceBuilder<SecretResource> AddSecret(this IDistributedApplicationBuilder builder, SecretDefinition definition)
    {
        builder.LocalCloudSettings();
        var value = builder.AddParameter(definition.Name, new GenerateParameterDefault
        {
            MinLength = definition.GeneratedLength,
            Special = false,
        }, secret: true, persist: true);
        var resource = new SecretResource(definition, value.Resource);
        return builder.AddResource(resource)
            .WithParentRelationship(value)
            .WithIconName("Key")
            .ExcludeFromManifest()
            .WithStart("Secret", async (secret, context, cancellationToken) =>
            {
                var current = await secret.Value.GetValueAsync(cancellationToken);
                if (string.IsNullOrEmpty(current))
                {
                    throw new ResourceStartException($"The secret {definition.Name} has no value: set Parameters:{definition.Name} (dotnet user-secrets set Parameters:{definition.Name} VALUE --project AppHost/AppHost).");
                }
                var previous = builder.Configuration[$"Parameters:{definition.PreviousValueParameter}"];
                context.Services.GetRequiredService<SecretStore>().Set(definition.Name, current, previous);
                context.Console.LogInformation("Serving {Secret} to the functions' Parameters and Secrets extensions{Rotation}",
                    definition.Name, string.IsNullOrEmpty(previous) ? "" : ", with a previous version (AWSPREVIOUS) during the rotation");
                return new StartResult([], [new("secret.idVariable", definition.IdVariable), new("secret.rotating", !string.IsNullOrEmpty(previous))]);
            })
            .WithCommand("rotate", "Rotate", context =>
            {
                var store = context.Services.GetRequiredService<SecretStore>();
                store.Rotate(definition.Name, NewValue(definition.GeneratedLength));
                context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource)
                    .LogInformation("Rotated {Secret}: a new current value, the last one served as AWSPREVIOUS; the extensions serve it once their cache expires. The rotation lasts until the AppHost stops.", definition.Name);
                return Task.FromResult(CommandResults.Success());
            }, new CommandOptions
            {
                Description = "Makes a new generated value current and the current one previous (AWSPREVIOUS), as put-secret-value does.",
                IconName = "ArrowRotateClockwise",
            });
    }

    /// <summary>Lets the function read <paramref name="secret"/>: it gets the secret's id (locally its name) in the definition's variable.</summary>
    public static IResourceBuilder<LambdaFunctionResource> WithReference(this IResourceBuilder<LambdaFunctionResource> function, IResourceBuilder<SecretResource> secret) =>
        function.WithAnnotation(new SecretReferenceAnnotation(secret.Resource))
            .WithEnvironment(secret.Resource.Definition.IdVariable, secret.Resource.Definition.Name)
            .WaitFor(secret);

    private static string NewValue(int length)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(Alphabet, length);
    }
}
