using StackExchange.Redis;
using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Redis;

/// <summary>
/// The append of an ordered batch as one Lua script, one request and one reply per batch where pipelined
/// <c>XADD</c>s cost one request and one reply each (docs/benchmarks.md, append throughput):
/// <list type="bullet">
/// <item>The first entry is <c>XADD</c>ed with an automatic ID and a <c>prev</c> field naming the stream's last entry
/// before the batch, which lets a blocking tail reader see that what it reads follows what it read last without
/// another round trip.</item>
/// <item>The others are <c>XADD</c>ed as <c>&lt;first entry's milliseconds&gt;-*</c>: Redis gives each the next
/// sequence of that millisecond, so the batch's IDs are consecutive whatever the clock does meanwhile (Redis does not
/// freeze time inside a script), and the reply names only the first and the last. Without a <c>prev</c> field they
/// cost Redis two arguments less each.</item>
/// <item>Retention is applied once, then one <c>SPUBLISH</c> of the last ID on the stream's own sharded channel wakes
/// tail readers.</item>
/// </list>
/// Atomic: all stored or none, which keeps the appender's retry reconciliation simple.
/// </summary>
/// <remarks>KEYS[1] the stream; ARGV: max length (0: none), min ID ('' : none), traceparent, tracestate ('' : none), payloads.</remarks>
internal static class RedisAppendScript
{
    public const string Text = """
        local key, call = KEYS[1], redis.call
        local tp, ts = ARGV[3], ARGV[4]
        local top = call('XREVRANGE', key, '+', '-', 'COUNT', 1)
        local prev = top[1] and top[1][1] or '0-0'
        local first
        if tp == '' then
          first = call('XADD', key, '*', 'payload', ARGV[5], 'prev', prev)
        elseif ts == '' then
          first = call('XADD', key, '*', 'payload', ARGV[5], 'traceparent', tp, 'prev', prev)
        else
          first = call('XADD', key, '*', 'payload', ARGV[5], 'traceparent', tp, 'tracestate', ts, 'prev', prev)
        end
        local following, last = string.match(first, '^%d+') .. '-*', first
        for i = 6, #ARGV do
          if tp == '' then
            last = call('XADD', key, following, 'payload', ARGV[i])
          elseif ts == '' then
            last = call('XADD', key, following, 'payload', ARGV[i], 'traceparent', tp)
          else
            last = call('XADD', key, following, 'payload', ARGV[i], 'traceparent', tp, 'tracestate', ts)
          end
        end
        if ARGV[1] ~= '0' then call('XTRIM', key, 'MAXLEN', '~', ARGV[1]) end
        if ARGV[2] ~= '' then call('XTRIM', key, 'MINID', '~', ARGV[2]) end
        call('SPUBLISH', key, last)
        return first .. ' ' .. last
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

    /// <summary>The batch's IDs from the script's reply: the first, then each next sequence up to the last.</summary>
    public static StreamCursor[] ParseIds(RedisResult result, int expected)
    {
        var text = ((string?)result ?? "").AsSpan();
        var space = text.IndexOf(' ');
        if (space < 0 || !StreamCursor.TryParse(text[..space], out var first, out _) || !StreamCursor.TryParse(text[(space + 1)..], out var last, out _)
            || last.Milliseconds != first.Milliseconds || last.Sequence - first.Sequence != (ulong)(expected - 1))
            throw new InvalidOperationException($"The append script returned IDs that do not name {expected} consecutive entries.");
        var ids = new StreamCursor[expected];
        for (var i = 0; i < ids.Length; i++) ids[i] = first with { Sequence = first.Sequence + (ulong)i };
        return ids;
    }
}
