using AppHost.Definition;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A Secrets Manager secret of the app, served locally to the functions that read it by their
/// environments' Parameters and Secrets extension. Its value is the Aspire secret parameter
/// <see cref="Value"/> (named as the secret, so its value is <c>Parameters:{name}</c>; the resource is
/// <c>{name}-secret</c>, under it); a rotation in progress also serves <c>Parameters:{name}-previous</c> as <c>AWSPREVIOUS</c>.
/// </summary>
public sealed class SecretResource(SecretDefinition definition, ParameterResource value) : Resource(definition.Name + "-secret"), IResourceWithWaitSupport
{
    public SecretDefinition Definition { get; } = definition;

    /// <summary>The parameter holding the current value: from configuration, or generated once and kept in user secrets.</summary>
    public ParameterResource Value { get; } = value;
}

/// <summary>A function reads <see cref="Secret"/>: it gets the secret's id in the definition's variable.</summary>
public sealed record SecretReferenceAnnotation(SecretResource Secret) : IResourceAnnotation;
