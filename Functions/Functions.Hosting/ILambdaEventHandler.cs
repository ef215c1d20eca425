using System.Diagnostics.CodeAnalysis;

namespace Functions.Hosting;

/// <summary>
/// Handles one Lambda event of type <typeparamref name="TEvent"/>. Registered with
/// <see cref="LambdaServiceCollectionExtensions.AddLambdaEventHandler"/>, it is resolved from a new
/// DI scope for every invocation.
/// </summary>
[SuppressMessage("Naming", "CA1711", Justification = "It handles Lambda events; it is not a .NET event's delegate.")]
public interface ILambdaEventHandler<in TEvent, TResponse>
{
    /// <summary>
    /// Handles <paramref name="lambdaEvent"/>. An exception fails the whole invocation; a batch
    /// handler reports failed records in its response instead.
    /// </summary>
    Task<TResponse> HandleAsync(TEvent lambdaEvent, LambdaContext context, CancellationToken cancellationToken);
}
