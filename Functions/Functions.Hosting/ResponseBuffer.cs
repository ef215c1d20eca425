using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Functions.Hosting;

/// <summary>
/// One buffer that every response of the function is serialized into in turn. A response stays
/// valid until the next one is written, which is long enough for the bootstrap to post it.
/// Non-ASCII text is written as UTF-8 rather than escaped, as the response is never embedded in HTML
/// and escapes would count several times against Lambda's payload limit.
/// </summary>
internal sealed class ResponseBuffer
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);

    public ReadOnlyMemory<byte> Serialize<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        _buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_buffer, WriterOptions))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }
        return _buffer.WrittenMemory;
    }
}
