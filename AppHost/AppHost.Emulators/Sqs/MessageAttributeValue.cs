namespace AppHost.Emulators.Sqs;

/// <summary>
/// A message attribute (or message system attribute) as sent: its data type (<c>String</c>, <c>Number</c>,
/// <c>Binary</c>, optionally with a custom suffix such as <c>String.json</c>) and its string or binary value.
/// </summary>
public sealed record MessageAttributeValue(string DataType, string? StringValue, byte[]? BinaryValue)
{
    /// <summary>True for <c>Binary</c> and <c>Binary.*</c>; false for the string-valued <c>String</c> and <c>Number</c> types.</summary>
    public bool IsBinary => DataType == "Binary" || DataType.StartsWith("Binary.", StringComparison.Ordinal);

    /// <summary>What the attribute counts towards the message size: its name, data type and value in bytes.</summary>
    public int Size(string name) =>
        System.Text.Encoding.UTF8.GetByteCount(name) + System.Text.Encoding.UTF8.GetByteCount(DataType)
        + (IsBinary ? BinaryValue!.Length : System.Text.Encoding.UTF8.GetByteCount(StringValue!));
}
