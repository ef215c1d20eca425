namespace AppHost.Dashboard.Telemetry;

/// <summary>The protobuf wire types a field tag can carry.</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}

/// <summary>
/// Reads one protobuf message from the wire format, field by field, with every length checked
/// against the buffer: a truncated or corrupt message raises <see cref="InvalidDataException"/>.
/// </summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> message)
{
    private readonly ReadOnlySpan<byte> _message = message;
    private int _position;

    public int FieldNumber { get; private set; }

    public WireType WireType { get; private set; }

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    public bool Next()
    {
        if (_position >= _message.Length)
        {
            return false;
        }
        var tag = ReadVarint();
        FieldNumber = (int)(tag >> 3);
        var wireType = (int)(tag & 7);
        if (FieldNumber <= 0 || wireType is not (0 or 1 or 2 or 5))
        {
            throw new InvalidDataException($"Invalid protobuf tag {tag} at byte {_position}.");
        }
        WireType = (WireType)wireType;
        return true;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _message.Length)
            {
                throw new InvalidDataException("Truncated varint.");
            }
            var current = _message[_position++];
            value |= (ulong)(current & 0x7F) << shift;
            if ((current & 0x80) == 0)
            {
                return value;
            }
        }
        throw new InvalidDataException("Varint longer than 10 bytes.");
    }

    public ulong ReadFixed64() => BitConverter.ToUInt64(Take(8));

    public uint ReadFixed32() => BitConverter.ToUInt32(Take(4));

    public double ReadDouble() => BitConverter.ToDouble(Take(8));

    public ReadOnlySpan<byte> ReadBytes() => Take(checked((int)ReadVarint()));

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadBytes());

    /// <summary>Reads a 64-bit value whether sent as a varint or fixed64 (both occur for timestamps and counts).</summary>
    public ulong ReadUInt64() => WireType == WireType.Fixed64 ? ReadFixed64() : ReadVarint();

    public void Skip()
    {
        switch (WireType)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64: Take(8); break;
            case WireType.Fixed32: Take(4); break;
            default: ReadBytes(); break;
        }
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || length > _message.Length - _position)
        {
            throw new InvalidDataException($"Field {FieldNumber} claims {length} bytes but only {_message.Length - _position} remain.");
        }
        var slice = _message.Slice(_position, length);
        _position += length;
        return slice;
    }
}
