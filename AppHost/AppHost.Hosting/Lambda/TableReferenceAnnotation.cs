using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>Marks a function as given a table with <c>WithReference(table)</c>, so the AppHost can check that every table a function names is one it was given.</summary>
public sealed record TableReferenceAnnotation(DynamoDbTableResource Table) : IResourceAnnotation;
