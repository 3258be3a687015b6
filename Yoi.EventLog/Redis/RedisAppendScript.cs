using StackExchange.Redis;
using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Redis;

/// <summary>
/// The append of an ordered batch as one Lua script: every entry <c>XADD</c>ed in order, the first with a <c>prev</c>
/// field naming the stream's last entry before the batch (the others with an empty one, so every entry has the same
/// fields and Redis stores their names once per node), which lets a blocking tail reader see that what it reads
/// follows what it read last without another round trip (atomic: all stored or none,
/// which keeps the appender's retry reconciliation simple), retention applied once, then one <c>SPUBLISH</c> of the
/// last ID on the stream's own sharded channel to wake tail readers. One round trip and one reply per batch, where
/// pipelined <c>XADD</c>s cost one request and one reply each (docs/benchmarks.md, append throughput). The IDs come
/// back as one space-separated string: one reply object for the whole batch.
/// </summary>
/// <remarks>KEYS[1] the stream; ARGV: max length (0: none), min ID ('' : none), traceparent, tracestate ('' : none), payloads.</remarks>
internal static class RedisAppendScript
{
    public const string Text = """
        local key = KEYS[1]
        local tp, ts = ARGV[3], ARGV[4]
        local top = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
        local prev = top[1] and top[1][1] or '0-0'
        local ids = {}
        for i = 5, #ARGV do
          if tp == '' then
            ids[i - 4] = redis.call('XADD', key, '*', 'payload', ARGV[i], 'prev', prev)
          elseif ts == '' then
            ids[i - 4] = redis.call('XADD', key, '*', 'payload', ARGV[i], 'traceparent', tp, 'prev', prev)
          else
            ids[i - 4] = redis.call('XADD', key, '*', 'payload', ARGV[i], 'traceparent', tp, 'tracestate', ts, 'prev', prev)
          end
          prev = ''
        end
        if ARGV[1] ~= '0' then redis.call('XTRIM', key, 'MAXLEN', '~', ARGV[1]) end
        if ARGV[2] ~= '' then redis.call('XTRIM', key, 'MINID', '~', ARGV[2]) end
        redis.call('SPUBLISH', key, ids[#ids])
        return table.concat(ids, ' ')
        """;

    public static RedisValue[] Arguments(IReadOnlyList<ReadOnlyMemory<byte>> payloads, long maxLength, string? minId,
        (string? TraceParent, string? TraceState) trace)
    {
        var args = new RedisValue[4 + payloads.Count];
        args[0] = maxLength;
        args[1] = minId ?? "";
        args[2] = trace.TraceParent ?? "";
        args[3] = trace.TraceParent is null ? "" : trace.TraceState ?? "";
        for (var i = 0; i < payloads.Count; i++) args[4 + i] = payloads[i];
        return args;
    }

    public static StreamCursor[] ParseIds(RedisResult result, int expected)
    {
        var text = ((string?)result ?? "").AsSpan();
        var ids = new StreamCursor[expected];
        var count = 0;
        foreach (var range in text.Split(' '))
        {
            if (count == expected || !StreamCursor.TryParse(text[range], out ids[count], out _))
                throw new InvalidOperationException("The append script returned unexpected IDs.");
            count++;
        }
        if (count != expected) throw new InvalidOperationException($"The append script stored {count} of {expected} entries.");
        return ids;
    }
}
