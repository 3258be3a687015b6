using Yoi.EventLog.Redis.Resp;
using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Redis;

/// <summary>The stream commands: XADD (single and pipelined), XRANGE, XREVRANGE, XREAD, XINFO STREAM, XTRIM.</summary>
public sealed partial class RedisClient
{
    /// <summary>
    /// XADD key [MAXLEN|MINID [~] n] * field value...; returns the new entry's ID. Redis allows one trim
    /// strategy per XADD: when both are set, the XADD trims by MAXLEN and an <c>XTRIM MINID</c> is pipelined
    /// right after it in the same write.
    /// </summary>
    public async Task<StreamCursor> StreamAddAsync(string key, IReadOnlyList<StreamField> fields, StreamTrim trim = default,
        CancellationToken cancellationToken = default)
    {
        var buffer = new PooledBufferWriter();
        var count = WriteStreamAdd(buffer.Resp, key, fields, trim, trimByMinId: true);
        var replies = await RunBatchAsync(buffer, count, cancellationToken).ConfigureAwait(false);
        foreach (var reply in replies) reply.ThrowIfError();
        return replies[0].AsCursor();
    }

    /// <summary>Pipelines one XADD per entry (in order, one write) and returns the IDs in the same order.</summary>
    public async Task<StreamCursor[]> StreamAddBatchAsync(string key, IReadOnlyList<IReadOnlyList<StreamField>> entries,
        StreamTrim trim = default, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0) return [];
        var buffer = new PooledBufferWriter(1024);
        var count = 0;
        for (var i = 0; i < entries.Count; i++)
            count += WriteStreamAdd(buffer.Resp, key, entries[i], trim, trimByMinId: i == entries.Count - 1);
        var replies = await RunBatchAsync(buffer, count, cancellationToken).ConfigureAwait(false);
        foreach (var reply in replies) reply.ThrowIfError();
        var ids = new StreamCursor[entries.Count];
        for (var i = 0; i < ids.Length; i++) ids[i] = replies[i].AsCursor();
        return ids;
    }

    /// <summary>Writes XADD (and a following XTRIM MINID when both strategies are asked); returns the command count.</summary>
    private static int WriteStreamAdd(RespWriter resp, string key, IReadOnlyList<StreamField> fields, StreamTrim trim, bool trimByMinId)
    {
        var tilde = trim.Approximate ? 1 : 0;
        var both = trim.HasMaxLength && trim.MinId is not null;
        var trimArgs = trim.IsNone ? 0 : 2 + tilde;
        resp.WriteCommandHeader(3 + trimArgs + 2 * fields.Count);
        resp.WriteBulk("XADD"u8);
        resp.WriteBulk(key);
        if (trim.HasMaxLength) WriteTrim(resp, "MAXLEN"u8, trim.Approximate, null, trim.MaxLength);
        else if (trim.MinId is { } minId) WriteTrim(resp, "MINID"u8, trim.Approximate, minId, 0);
        resp.WriteBulk("*"u8);
        foreach (var field in fields)
        {
            resp.WriteBulk(field.Name);
            resp.WriteBulk(field.Value.Span);
        }
        if (!both || !trimByMinId) return 1;
        resp.WriteCommandHeader(4 + tilde);
        resp.WriteBulk("XTRIM"u8);
        resp.WriteBulk(key);
        WriteTrim(resp, "MINID"u8, trim.Approximate, trim.MinId, 0);
        return 2;
    }

    private static void WriteTrim(RespWriter resp, ReadOnlySpan<byte> strategy, bool approximate, StreamCursor? minId, long maxLength)
    {
        resp.WriteBulk(strategy);
        if (approximate) resp.WriteBulk("~"u8);
        if (minId is { } id) resp.WriteBulk(id);
        else resp.WriteBulk(maxLength);
    }

    /// <summary>XTRIM key MAXLEN|MINID [~] n; the number of entries removed (MAXLEN wins when both are set).</summary>
    public async Task<long> StreamTrimAsync(string key, StreamTrim trim, CancellationToken cancellationToken = default)
    {
        if (trim.IsNone) throw new ArgumentException("XTRIM needs MAXLEN or MINID.", nameof(trim));
        var cmd = Command(4 + (trim.Approximate ? 1 : 0), "XTRIM"u8, out var resp);
        resp.WriteBulk(key);
        if (trim.HasMaxLength) WriteTrim(resp, "MAXLEN"u8, trim.Approximate, null, trim.MaxLength);
        else WriteTrim(resp, "MINID"u8, trim.Approximate, trim.MinId, 0);
        return (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).AsInteger();
    }

    /// <summary>XRANGE key start end [COUNT n], oldest first.</summary>
    public Task<IReadOnlyList<RedisStreamEntry>> StreamRangeAsync(string key, StreamRangeBound start, StreamRangeBound end,
        int? count = null, CancellationToken cancellationToken = default) =>
        RangeAsync(CommandNames.Xrange, key, start, end, count, cancellationToken);

    /// <summary>XREVRANGE key end start [COUNT n], newest first.</summary>
    public Task<IReadOnlyList<RedisStreamEntry>> StreamRevRangeAsync(string key, StreamRangeBound end, StreamRangeBound start,
        int? count = null, CancellationToken cancellationToken = default) =>
        RangeAsync(CommandNames.Xrevrange, key, end, start, count, cancellationToken);

    private async Task<IReadOnlyList<RedisStreamEntry>> RangeAsync(byte[] name, string key, StreamRangeBound first,
        StreamRangeBound second, int? count, CancellationToken cancellationToken)
    {
        var cmd = Command(4 + (count is null ? 0 : 2), name, out var resp);
        resp.WriteBulk(key);
        first.WriteTo(resp);
        second.WriteTo(resp);
        if (count is { } n)
        {
            resp.WriteBulk("COUNT"u8);
            resp.WriteBulk(n);
        }
        return RedisStreamReplies.ParseEntries(await RunAsync(cmd, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// XREAD [COUNT n] [BLOCK ms] STREAMS k1..kn id1..idn. With a positive <paramref name="block"/> the read runs
    /// on a dedicated connection and cancellation unblocks it promptly (throwing
    /// <see cref="OperationCanceledException"/>); otherwise it is a non-blocking read on the shared connection.
    /// Returns only keys that had entries (empty on timeout).
    /// </summary>
    public async Task<IReadOnlyList<RedisStreamRead>> StreamReadAsync(IReadOnlyList<StreamReadPosition> positions, int? count = null,
        TimeSpan? block = null, CancellationToken cancellationToken = default)
    {
        if (positions.Count == 0) return [];
        var blocking = block is { } b && b > TimeSpan.Zero;
        var argc = 2 + 2 * positions.Count + (count is null ? 0 : 2) + (blocking ? 2 : 0);
        var cmd = Command(argc, "XREAD"u8, out var resp);
        if (count is { } n)
        {
            resp.WriteBulk("COUNT"u8);
            resp.WriteBulk(n);
        }
        if (blocking)
        {
            resp.WriteBulk("BLOCK"u8);
            resp.WriteBulk(Math.Max(1L, (long)Math.Ceiling(block!.Value.TotalMilliseconds)));
        }
        resp.WriteBulk("STREAMS"u8);
        foreach (var position in positions) resp.WriteBulk(position.Key);
        foreach (var position in positions) resp.WriteBulk(position.After);
        if (!blocking) return RedisStreamReplies.ParseRead(await RunAsync(cmd, cancellationToken).ConfigureAwait(false));
        try
        {
            var reply = await _multiplexer.ExecuteBlockingAsync(cmd.WrittenMemory, block!.Value, cancellationToken).ConfigureAwait(false);
            return RedisStreamReplies.ParseRead(reply.ThrowIfError());
        }
        finally
        {
            cmd.Dispose();
        }
    }

    /// <summary>XINFO STREAM key; null when the key does not exist.</summary>
    public async Task<RedisStreamInfo?> StreamInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        var cmd = Command(3, "XINFO"u8, out var resp);
        resp.WriteBulk("STREAM"u8);
        resp.WriteBulk(key);
        var replies = await RunBatchAsync(cmd, 1, cancellationToken).ConfigureAwait(false);
        return RedisStreamReplies.ParseInfo(replies[0]);
    }

    /// <summary>
    /// XINFO STREAM key and <c>XRANGE key id id COUNT 1</c> pipelined in one round trip: the stream's
    /// metadata (null when missing) and whether the entry <paramref name="id"/> is retained.
    /// </summary>
    public async Task<(RedisStreamInfo? Info, bool EntryExists)> StreamInfoWithEntryAsync(string key, StreamCursor id,
        CancellationToken cancellationToken = default)
    {
        var cmd = Command(3, "XINFO"u8, out var resp);
        resp.WriteBulk("STREAM"u8);
        resp.WriteBulk(key);
        resp.WriteCommandHeader(6);
        resp.WriteBulk("XRANGE"u8);
        resp.WriteBulk(key);
        resp.WriteBulk(id);
        resp.WriteBulk(id);
        resp.WriteBulk("COUNT"u8);
        resp.WriteBulk(1);
        var replies = await RunBatchAsync(cmd, 2, cancellationToken).ConfigureAwait(false);
        var info = RedisStreamReplies.ParseInfo(replies[0]);
        return (info, replies[1].ThrowIfError().Items is { Length: > 0 });
    }
}
