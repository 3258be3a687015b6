using Yoi.EventLog.Redis.Resp;
using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Redis;

/// <summary>Turns stream command replies (RESP2 shapes) into entries, reads and stream info.</summary>
internal static class RedisStreamReplies
{
    /// <summary>An array of <c>[id, [field, value, ...]]</c>.</summary>
    public static IReadOnlyList<RedisStreamEntry> ParseEntries(RespValue reply)
    {
        if (reply.IsNull) return [];
        var items = reply.AsArray();
        var entries = new RedisStreamEntry[items.Length];
        for (var i = 0; i < items.Length; i++) entries[i] = ParseEntry(items[i]);
        return entries;
    }

    public static RedisStreamEntry ParseEntry(RespValue reply)
    {
        var pair = reply.AsArray();
        if (pair.Length != 2) throw new RedisProtocolException($"Expected [id, fields] for a stream entry, got {reply.Describe()}.");
        var raw = pair[1].Items ?? [];
        var fields = new StreamField[raw.Length / 2];
        for (var i = 0; i < fields.Length; i++)
            fields[i] = new StreamField(raw[2 * i].AsString() ?? "", raw[2 * i + 1].Bytes ?? []);
        return new RedisStreamEntry(pair[0].AsCursor(), fields);
    }

    /// <summary>XREAD's reply: nil on timeout, else <c>[[key, entries], ...]</c>.</summary>
    public static IReadOnlyList<RedisStreamRead> ParseRead(RespValue reply)
    {
        if (reply.IsNull) return [];
        var items = reply.AsArray();
        var reads = new RedisStreamRead[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var pair = items[i].AsArray();
            reads[i] = new RedisStreamRead(pair[0].AsString() ?? "", ParseEntries(pair[1]));
        }
        return reads;
    }

    /// <summary>XINFO STREAM's flat name/value array; null for Redis's "no such key" error.</summary>
    public static RedisStreamInfo? ParseInfo(RespValue reply)
    {
        if (reply.IsError && reply.AsString() is { } error && error.Contains("no such key", StringComparison.OrdinalIgnoreCase))
            return null;
        var items = reply.AsArray();
        long length = 0, entriesAdded = 0;
        StreamCursor lastGenerated = default, maxDeleted = default, recordedFirst = default;
        RedisStreamEntry? first = null, last = null;
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            var value = items[i + 1];
            switch (items[i].AsString())
            {
                case "length": length = value.AsInteger(); break;
                case "last-generated-id": lastGenerated = value.AsCursor(); break;
                case "max-deleted-entry-id": maxDeleted = value.AsCursor(); break;
                case "entries-added": entriesAdded = value.AsInteger(); break;
                case "recorded-first-entry-id": recordedFirst = value.AsCursor(); break;
                case "first-entry": first = value.IsNull ? null : ParseEntry(value); break;
                case "last-entry": last = value.IsNull ? null : ParseEntry(value); break;
            }
        }
        return new RedisStreamInfo(length, lastGenerated, maxDeleted, entriesAdded, recordedFirst, first, last);
    }
}
