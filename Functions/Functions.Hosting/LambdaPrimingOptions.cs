namespace Functions.Hosting;

/// <summary>
/// The <c>GET</c> requests a function behind API Gateway runs through its own pipeline while a provisioned
/// environment initialises (see <see cref="LambdaServiceCollectionExtensions.AddLambdaPriming"/>).
/// </summary>
public sealed class LambdaPrimingOptions
{
    /// <summary>Paths with their query strings, such as <c>/boards/priming?limit=10</c>. Reads only: priming must not change data.</summary>
    public IList<string> Requests { get; } = [];

    /// <summary>The most priming adds to an init: past it, the environment serves with what was compiled by then.</summary>
    public TimeSpan Limit { get; set; } = TimeSpan.FromSeconds(5);
}
