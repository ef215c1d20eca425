using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AppHost.Emulators.Sqs;

/// <summary>
/// The digests SQS returns and clients check: the MD5 of a body, and the MD5 of a set of message
/// attributes (each attribute, in order of name: name, data type, a transport byte of 1 for string values
/// and 2 for binary ones, then the value; strings and values each prefixed by their 4-byte big-endian length).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "SQS defines these digests as MD5: they check a message arrived intact, they protect nothing.")]
public static class MessageDigests
{
    private const byte StringTransport = 1;
    private const byte BinaryTransport = 2;

    /// <summary>The lowercase hex MD5 of the UTF-8 body.</summary>
    public static string Body(string body) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body)));

    /// <summary>The lowercase hex MD5 of the attributes, or null when there are none (SQS then sends no digest).</summary>
    public static string? Attributes(IReadOnlyDictionary<string, MessageAttributeValue> attributes)
    {
        if (attributes.Count == 0)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        foreach (var (name, attribute) in attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            WriteLengthPrefixed(buffer, Encoding.UTF8.GetBytes(name));
            WriteLengthPrefixed(buffer, Encoding.UTF8.GetBytes(attribute.DataType));
            if (attribute.IsBinary)
            {
                buffer.WriteByte(BinaryTransport);
                WriteLengthPrefixed(buffer, attribute.BinaryValue!);
            }
            else
            {
                buffer.WriteByte(StringTransport);
                WriteLengthPrefixed(buffer, Encoding.UTF8.GetBytes(attribute.StringValue!));
            }
        }
        return Convert.ToHexStringLower(MD5.HashData(buffer.ToArray()));
    }

    /// <summary>The lowercase hex SHA-256 of the body: the deduplication id of content-based deduplication.</summary>
    public static string ContentDeduplicationId(string body) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));

    private static void WriteLengthPrefixed(Stream stream, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
    }
}
