using System.Buffers.Text;
using System.Text;
using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Redis.Resp;

/// <summary>
/// One parsed RESP2 reply. Simple strings, errors and bulk strings carry their bytes; arrays carry their items;
/// a nil bulk string or nil array has neither.
/// </summary>
internal readonly struct RespValue
{
    private readonly object? _payload; // byte[] for strings and errors, RespValue[] for arrays

    private RespValue(RespType type, long integer, object? payload)
    {
        Type = type;
        Integer = integer;
        _payload = payload;
    }

    public RespType Type { get; }

    /// <summary>The value of an integer reply.</summary>
    public long Integer { get; }

    public bool IsNull => _payload is null && Type is RespType.BulkString or RespType.Array;
    public bool IsError => Type == RespType.Error;

    /// <summary>The bytes of a simple string, error or bulk string (null for nil and for other types).</summary>
    public byte[]? Bytes => _payload as byte[];

    /// <summary>The items of an array (null for nil and for other types).</summary>
    public RespValue[]? Items => _payload as RespValue[];

    public static RespValue Simple(byte[] text) => new(RespType.SimpleString, 0, text);
    public static RespValue Error(byte[] text) => new(RespType.Error, 0, text);
    public static RespValue FromInteger(long value) => new(RespType.Integer, value, null);
    public static RespValue Bulk(byte[]? bytes) => new(RespType.BulkString, 0, bytes);
    public static RespValue Array(RespValue[]? items) => new(RespType.Array, 0, items);

    /// <summary>The text of a string or error reply (UTF-8), the number of an integer reply, null for nil.</summary>
    public string? AsString() => Type switch
    {
        RespType.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => Bytes is { } b ? Encoding.UTF8.GetString(b) : null,
    };

    /// <summary>An integer reply, or a string reply holding a decimal integer.</summary>
    public long AsInteger()
    {
        ThrowIfError();
        if (Type == RespType.Integer) return Integer;
        if (Bytes is { } b && Utf8Parser.TryParse(b, out long value, out var used) && used == b.Length) return value;
        throw new RedisProtocolException($"Expected an integer reply, got {Describe()}.");
    }

    /// <summary>A bulk or simple string holding a stream ID.</summary>
    public StreamCursor AsCursor()
    {
        ThrowIfError();
        if (Bytes is { } b && StreamCursor.TryParse(b, out var cursor)) return cursor;
        throw new RedisProtocolException($"Expected a stream ID, got {Describe()}.");
    }

    /// <summary>The items of a (non-nil) array reply.</summary>
    public RespValue[] AsArray()
    {
        ThrowIfError();
        return Items ?? throw new RedisProtocolException($"Expected an array reply, got {Describe()}.");
    }

    /// <summary>Throws <see cref="RedisServerException"/> when this is an error reply.</summary>
    public RespValue ThrowIfError() => IsError ? throw new RedisServerException(AsString() ?? "") : this;

    public bool IsOk => Type == RespType.SimpleString && Bytes is { } b && b.AsSpan().SequenceEqual("OK"u8);

    public string Describe() => IsNull ? $"nil {Type}" : Type switch
    {
        RespType.Array => $"array of {Items!.Length}",
        RespType.Integer => $"integer {Integer}",
        _ => $"{Type} of {Bytes!.Length} bytes",
    };

    public override string ToString() => Type switch
    {
        RespType.Array => IsNull ? "(nil array)" : $"[{string.Join(", ", Items!.Select(i => i.ToString()))}]",
        _ => IsNull ? "(nil)" : $"{(char)Type}{AsString()}",
    };
}
