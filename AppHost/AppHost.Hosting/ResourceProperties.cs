using System.Collections.Immutable;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>Resource properties as the dashboard shows them.</summary>
internal static class ResourceProperties
{
    /// <summary><paramref name="properties"/> with <paramref name="name"/> set to <paramref name="value"/>, replacing an earlier value.</summary>
    public static ImmutableArray<ResourcePropertySnapshot> With(ImmutableArray<ResourcePropertySnapshot> properties, string name, object value) =>
        [.. properties.Where(property => property.Name != name), new ResourcePropertySnapshot(name, value)];
}
