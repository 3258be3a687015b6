using Yoi.EventLog.Redis.Resp;
using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Redis;

/// <summary>One field of a stream entry: a name and a binary value.</summary>
public readonly record struct StreamField(string Name, ReadOnlyMemory<byte> Value);

/// <summary>A stream entry as read back: its ID and its fields in stored order.</summary>
public sealed record RedisStreamEntry(StreamCursor Id, IReadOnlyList<StreamField> Fields)
{
    /// <summary>The value of the first field named <paramref name="name"/>, or null.</summary>
    public ReadOnlyMemory<byte>? Get(string name)
    {
        foreach (var field in Fields)
            if (field.Name == name) return field.Value;
        return null;
    }
}

/// <summary>Entries returned by XREAD for one key.</summary>
public sealed record RedisStreamRead(string Key, IReadOnlyList<RedisStreamEntry> Entries);

/// <summary>Where XREAD continues on one key: entries strictly after <see cref="After"/>.</summary>
public readonly record struct StreamReadPosition(string Key, StreamCursor After);

/// <summary>
/// Trimming applied by XADD/XTRIM: <c>MAXLEN</c> when <see cref="MaxLength"/> &gt; 0, <c>MINID</c> when
/// <see cref="MinId"/> is set, approximate (<c>~</c>) unless <see cref="Approximate"/> is false.
/// </summary>
public readonly record struct StreamTrim(long MaxLength = 0, StreamCursor? MinId = null, bool Approximate = true)
{
    public static readonly StreamTrim None = default;
    public bool HasMaxLength => MaxLength > 0;
    public bool IsNone => MaxLength <= 0 && MinId is null;
}

/// <summary>An XRANGE/XREVRANGE bound: <c>-</c>, <c>+</c>, an inclusive ID or an exclusive <c>(ID</c>.</summary>
public readonly record struct StreamRangeBound
{
    private enum BoundKind : byte { Inclusive, Exclusive, Min, Max }

    private readonly BoundKind _kind;
    private readonly StreamCursor _id;

    private StreamRangeBound(BoundKind kind, StreamCursor id) => (_kind, _id) = (kind, id);

    /// <summary><c>-</c>: before the first entry.</summary>
    public static StreamRangeBound Min => new(BoundKind.Min, default);
    /// <summary><c>+</c>: after the last entry.</summary>
    public static StreamRangeBound Max => new(BoundKind.Max, default);
    public static StreamRangeBound Inclusive(StreamCursor id) => new(BoundKind.Inclusive, id);
    public static StreamRangeBound Exclusive(StreamCursor id) => new(BoundKind.Exclusive, id);

    internal void WriteTo(RespWriter resp)
    {
        switch (_kind)
        {
            case BoundKind.Min: resp.WriteBulk("-"u8); break;
            case BoundKind.Max: resp.WriteBulk("+"u8); break;
            default: resp.WriteBulk(_id, exclusive: _kind == BoundKind.Exclusive); break;
        }
    }

    public override string ToString() => _kind switch
    {
        BoundKind.Min => "-",
        BoundKind.Max => "+",
        BoundKind.Exclusive => $"({_id}",
        _ => _id.ToString(),
    };
}

/// <summary>What <c>XINFO STREAM</c> reports (Redis 7 fields).</summary>
public sealed record RedisStreamInfo(
    long Length,
    StreamCursor LastGeneratedId,
    StreamCursor MaxDeletedEntryId,
    long EntriesAdded,
    StreamCursor RecordedFirstEntryId,
    RedisStreamEntry? FirstEntry,
    RedisStreamEntry? LastEntry);
