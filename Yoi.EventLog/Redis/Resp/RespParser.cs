using System.Buffers;
using System.Buffers.Text;

namespace Yoi.EventLog.Redis.Resp;

/// <summary>
/// Incremental RESP2 reply parser. Correct for any split of the input: when the bytes end inside a reply it
/// reports <see cref="RespParseStatus.NeedMoreData"/> and consumes nothing, with a lower bound of the bytes
/// needed so the caller can skip re-parsing until that many arrived. Bounded: a bulk string, an aggregate or
/// a line larger than the maximum reply size, deeper nesting than <see cref="MaxDepth"/>, or an unknown
/// marker is a <see cref="RedisProtocolException"/>, never an unbounded allocation. A reply is first scanned
/// without allocating and only materialized once complete, so a large reply arriving in many chunks is not
/// rebuilt on every chunk.
/// </summary>
internal static class RespParser
{
    public const long DefaultMaxReplySize = 512L * 1024 * 1024;
    public const int MaxDepth = 64;
    private const int MaxIntegerLineLength = 20;
    private const int MinFrameSize = 3; // "+\r\n"

    /// <summary>Parses one reply from the start of <paramref name="buffer"/>; on success slices it off.</summary>
    /// <param name="bytesNeeded">On <see cref="RespParseStatus.NeedMoreData"/>, a lower bound of the total buffer length needed.</param>
    public static RespParseStatus TryParse(ref ReadOnlySequence<byte> buffer, long maxReplySize, out RespValue value, out long bytesNeeded)
    {
        var scanner = new SequenceReader<byte>(buffer);
        if (TryParseValue(ref scanner, maxReplySize, 0, materialize: false, out value, out bytesNeeded) != RespParseStatus.Complete)
        {
            value = default;
            if (bytesNeeded > maxReplySize) throw TooLarge(bytesNeeded, maxReplySize);
            return RespParseStatus.NeedMoreData;
        }
        var reader = new SequenceReader<byte>(buffer.Slice(0, scanner.Position));
        TryParseValue(ref reader, maxReplySize, 0, materialize: true, out value, out _);
        buffer = buffer.Slice(scanner.Position);
        bytesNeeded = 0;
        return RespParseStatus.Complete;
    }

    /// <param name="materialize">False to only check that a whole reply is present (no allocation).</param>
    private static RespParseStatus TryParseValue(ref SequenceReader<byte> reader, long max, int depth, bool materialize,
        out RespValue value, out long needed)
    {
        value = default;
        if (reader.Consumed > max) throw TooLarge(reader.Consumed, max);
        if (!reader.TryRead(out var marker)) { needed = reader.Consumed + MinFrameSize; return RespParseStatus.NeedMoreData; }
        if (!TryReadLine(ref reader, max, out var line)) { needed = reader.Sequence.Length + 1; return RespParseStatus.NeedMoreData; }
        needed = 0;
        switch ((RespType)marker)
        {
            case RespType.SimpleString:
                if (materialize) value = RespValue.Simple(line.ToArray());
                return RespParseStatus.Complete;
            case RespType.Error:
                if (materialize) value = RespValue.Error(line.ToArray());
                return RespParseStatus.Complete;
            case RespType.Integer:
                value = RespValue.FromInteger(ParseInteger(line));
                return RespParseStatus.Complete;
            case RespType.BulkString:
                return TryParseBulk(ref reader, ParseInteger(line), max, materialize, out value, out needed);
            case RespType.Array:
                if (depth >= MaxDepth) throw new RedisProtocolException($"Reply nests deeper than {MaxDepth} levels.");
                return TryParseArray(ref reader, ParseInteger(line), max, depth, materialize, out value, out needed);
            default:
                throw new RedisProtocolException($"Unknown RESP type marker 0x{marker:X2}.");
        }
    }

    private static RespParseStatus TryParseBulk(ref SequenceReader<byte> reader, long length, long max, bool materialize,
        out RespValue value, out long needed)
    {
        value = default;
        needed = 0;
        if (length == -1) { value = RespValue.Bulk(null); return RespParseStatus.Complete; }
        if (length < -1) throw new RedisProtocolException($"Invalid bulk string length {length}.");
        if (length > max) throw TooLarge(length, max);
        if (reader.Remaining < length + 2)
        {
            needed = reader.Consumed + length + 2;
            return RespParseStatus.NeedMoreData;
        }
        if (materialize)
        {
            var bytes = new byte[length];
            reader.TryCopyTo(bytes);
            value = RespValue.Bulk(bytes);
        }
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true)) throw new RedisProtocolException("Bulk string is not terminated by CRLF.");
        return RespParseStatus.Complete;
    }

    private static RespParseStatus TryParseArray(ref SequenceReader<byte> reader, long count, long max, int depth, bool materialize,
        out RespValue value, out long needed)
    {
        value = default;
        needed = 0;
        if (count == -1) { value = RespValue.Array(null); return RespParseStatus.Complete; }
        if (count < -1) throw new RedisProtocolException($"Invalid array length {count}.");
        // Every item takes at least three bytes: check the bound before allocating the item array.
        if (count > max / MinFrameSize) throw TooLarge(count * MinFrameSize, max);
        if (reader.Remaining < count * MinFrameSize)
        {
            needed = reader.Consumed + count * MinFrameSize;
            return RespParseStatus.NeedMoreData;
        }
        var items = materialize ? new RespValue[count] : null;
        for (var i = 0; i < count; i++)
        {
            var status = TryParseValue(ref reader, max, depth + 1, materialize, out var item, out needed);
            if (status != RespParseStatus.Complete) return status;
            if (items is not null) items[i] = item;
        }
        if (reader.Consumed > max) throw TooLarge(reader.Consumed, max);
        if (items is not null) value = RespValue.Array(items);
        return RespParseStatus.Complete;
    }

    /// <summary>Reads up to CRLF (excluded); false when the line is not complete yet.</summary>
    private static bool TryReadLine(ref SequenceReader<byte> reader, long max, out ReadOnlySequence<byte> line)
    {
        if (reader.TryReadTo(out line, (byte)'\n'))
        {
            if (line.IsEmpty || !EndsWithCarriageReturn(line)) throw new RedisProtocolException("Line is not terminated by CRLF.");
            line = line.Slice(0, line.Length - 1);
            if (line.PositionOf((byte)'\r') is not null) throw new RedisProtocolException("Line contains a bare CR.");
            return true;
        }
        if (reader.Remaining > max) throw TooLarge(reader.Remaining, max);
        return false;
    }

    private static bool EndsWithCarriageReturn(ReadOnlySequence<byte> line)
    {
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r';
    }

    private static long ParseInteger(ReadOnlySequence<byte> line)
    {
        if (line.IsEmpty || line.Length > MaxIntegerLineLength) throw new RedisProtocolException("Invalid integer line length.");
        Span<byte> digits = stackalloc byte[MaxIntegerLineLength];
        line.CopyTo(digits);
        var span = digits[..(int)line.Length];
        if (!Utf8Parser.TryParse(span, out long value, out var used) || used != span.Length)
            throw new RedisProtocolException("Invalid integer in reply.");
        return value;
    }

    private static RedisProtocolException TooLarge(long size, long max) =>
        new($"Reply of at least {size} bytes exceeds the maximum reply size of {max} bytes.");
}
