namespace AppHost.Definition;

/// <summary>The scalar type of a key attribute, as DynamoDB names it: string, number, binary.</summary>
public enum KeyScalarType
{
    S,
    N,
    B,
}

/// <summary>What a table's stream records carry, as DynamoDB names it.</summary>
public enum StreamView
{
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

/// <summary>A key attribute: its name and scalar type.</summary>
public sealed record TableKey(string Name, KeyScalarType Type = KeyScalarType.S);

/// <summary>A global secondary index projecting all attributes.</summary>
public sealed record GlobalIndex(string Name, TableKey PartitionKey, TableKey? SortKey);

/// <summary>
/// A DynamoDB table as the app declares it. Billing is on demand, both locally and in AWS.
/// </summary>
/// <param name="TimeToLiveAttribute">The attribute holding an item's expiry (epoch seconds), when the table has time to live.</param>
public sealed record TableDefinition(
    string Name,
    TableKey PartitionKey,
    TableKey? SortKey,
    IReadOnlyList<GlobalIndex> GlobalIndexes,
    StreamView? Stream,
    string? TimeToLiveAttribute = null)
{
    /// <summary>Every attribute that some key of the table or an index names, once each.</summary>
    public IReadOnlyList<TableKey> KeyFields =>
        new[] { PartitionKey, SortKey }
            .Concat(GlobalIndexes.SelectMany(index => new[] { index.PartitionKey, index.SortKey }))
            .OfType<TableKey>()
            .DistinctBy(attribute => attribute.Name)
            .ToList();
}
