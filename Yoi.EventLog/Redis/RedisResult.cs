using System.Text;
using Yoi.EventLog.Redis.Resp;

namespace Yoi.EventLog.Redis;

public enum RedisResultType { SimpleString, Integer, BulkString, Array }

/// <summary>A script's reply (EVAL/EVALSHA): a string, an integer, nil, or an array of results.</summary>
public sealed class RedisResult
{
    private RedisResult(RedisResultType type, long integer, byte[]? bytes, IReadOnlyList<RedisResult>? items)
    {
        Type = type;
        Integer = integer;
        Bytes = bytes;
        Items = items;
    }

    public RedisResultType Type { get; }
    public long Integer { get; }
    public byte[]? Bytes { get; }
    public IReadOnlyList<RedisResult>? Items { get; }
    public bool IsNull => Type is RedisResultType.BulkString or RedisResultType.Array && Bytes is null && Items is null;

    public override string? ToString() => Type switch
    {
        RedisResultType.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RedisResultType.Array => Items is null ? null : $"[{string.Join(", ", Items)}]",
        _ => Bytes is null ? null : Encoding.UTF8.GetString(Bytes),
    };

    internal static RedisResult From(RespValue value) => value.ThrowIfError().Type switch
    {
        RespType.Integer => new(RedisResultType.Integer, value.Integer, null, null),
        RespType.SimpleString => new(RedisResultType.SimpleString, 0, value.Bytes, null),
        RespType.BulkString => new(RedisResultType.BulkString, 0, value.Bytes, null),
        _ => new(RedisResultType.Array, 0, null, value.Items?.Select(From).ToArray()),
    };
}
