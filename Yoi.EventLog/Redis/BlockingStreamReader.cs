using StackExchange.Redis;
using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Redis;

/// <summary>
/// Live tailing by <c>XREAD BLOCK</c> on a connection of its own: one command waits on every followed stream at once
/// and Redis answers it as soon as an append lands, a round trip sooner than a read woken by the append notification
/// (docs/benchmarks.md, live tailing). StackExchange.Redis cannot run a blocking command on the shared multiplexer, so
/// this owns a second one, connected on first use and kept for the process's life.
/// <para>One read at a time: while a read waits (or is still in flight after its caller gave up, which
/// <c>XREAD BLOCK</c> cannot be told), <see cref="TryStart"/> refuses and the caller uses the notification-woken read.
/// Standalone Redis only: an <c>XREAD</c> cannot span the slots of a Redis Cluster, so a cluster (or a connection that
/// fails) switches this reader off for good and every tail uses notifications.</para>
/// </summary>
internal sealed class BlockingStreamReader(ConfigurationOptions shared) : IAsyncDisposable
{
    /// <summary>The longest single wait; a caller's longer block is several reads.</summary>
    public static readonly TimeSpan MaxBlock = TimeSpan.FromSeconds(2);

    private static readonly CommandMap WithoutPubSub = CommandMap.Create(
        new HashSet<string> { "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "PUBLISH", "SPUBLISH" },
        available: false);

    private readonly SemaphoreSlim _busy = new(1, 1);
    private Task<ConnectionMultiplexer?>? _connection;
    private volatile bool _off;

    /// <summary>True when this reader is usable and was free; the caller must then call <see cref="ReadAsync"/>.</summary>
    public bool TryStart() => !_off && _busy.Wait(0);

    /// <summary>
    /// <c>XREAD COUNT n BLOCK ms</c> from each start ID (exclusive); the entries per stream in the order of
    /// <paramref name="starts"/>, or null when this reader turned out unusable (the caller falls back). Cancelling
    /// returns at once; the read itself completes in the background and only then frees the reader.
    /// </summary>
    public async Task<StreamEntry[][]?> ReadAsync(IReadOnlyList<(string Stream, string Start)> starts, int count, TimeSpan block,
        CancellationToken cancellationToken)
    {
        Task<RedisResult>? read = null;
        try
        {
            var connection = await (_connection ??= ConnectAsync()).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (connection is null) return null;
            var args = new object[5 + 2 * starts.Count];
            args[0] = "COUNT";
            args[1] = count;
            args[2] = "BLOCK";
            args[3] = Math.Max(1, (long)Math.Min(block.TotalMilliseconds, MaxBlock.TotalMilliseconds));
            args[4] = "STREAMS";
            for (var i = 0; i < starts.Count; i++)
            {
                args[5 + i] = (RedisKey)starts[i].Stream;
                args[5 + starts.Count + i] = starts[i].Start;
            }
            RedisResult reply;
            try
            {
                read = connection.GetDatabase().ExecuteAsync("XREAD", args);
                reply = await read.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisCommandException || (ex is RedisException && IsClusterOrSentinel(connection)))
            {
                // Unreachable when first connected, a cluster once it answered (the client refuses an XREAD across
                // slots, or the servers say so): notifications from now on.
                _off = true;
                return null;
            }
            return Parse(reply, starts);
        }
        finally
        {
            if (read is null || read.IsCompleted) _busy.Release();
            else _ = read.ContinueWith(static (abandoned, busy) =>
            {
                _ = abandoned.Exception; // nobody waits for it any more: observed here
                ((SemaphoreSlim)busy!).Release();
            }, _busy, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task<ConnectionMultiplexer?> ConnectAsync()
    {
        var options = shared.Clone();
        options.Protocol = RedisProtocol.Resp2; // XREAD's reply as arrays, and no push messages on this connection
        options.AbortOnConnectFail = false;
        options.AsyncTimeout = (int)(MaxBlock + TimeSpan.FromSeconds(10)).TotalMilliseconds;
        options.ClientName = (options.ClientName ?? "yoi") + "-tail";
        options.CommandMap = WithoutPubSub; // one connection: no subscription connection beside it
        ConnectionMultiplexer? connection = null;
        try
        {
            connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            if (IsClusterOrSentinel(connection))
            {
                _off = true;
                await connection.DisposeAsync().ConfigureAwait(false);
                return null;
            }
            return connection;
        }
        catch (Exception) when (connection is null)
        {
            _off = true;
            return null;
        }
    }

    private static bool IsClusterOrSentinel(ConnectionMultiplexer connection) =>
        connection.GetServers().Any(s => s.ServerType is ServerType.Cluster or ServerType.Sentinel);

    private static StreamEntry[][] Parse(RedisResult reply, IReadOnlyList<(string Stream, string Start)> starts)
    {
        var result = new StreamEntry[starts.Count][];
        for (var i = 0; i < result.Length; i++) result[i] = [];
        if (reply.IsNull) return result;
        Dictionary<string, int>? byKey = null;
        if (starts.Count > 8)
        {
            byKey = new Dictionary<string, int>(starts.Count, StringComparer.Ordinal);
            for (var i = 0; i < starts.Count; i++) byKey[starts[i].Stream] = i;
        }
        foreach (var streamReply in (RedisResult[])reply!)
        {
            var parts = (RedisResult[])streamReply!;
            var key = (string)parts[0]!;
            var index = byKey is null ? IndexOf(starts, key) : byKey.GetValueOrDefault(key, -1);
            if (index < 0) continue;
            var entries = (RedisResult[])parts[1]!;
            var parsed = new StreamEntry[entries.Length];
            for (var e = 0; e < entries.Length; e++)
            {
                var entry = (RedisResult[])entries[e]!;
                var fields = (RedisResult[])entry[1]!;
                var values = new NameValueEntry[fields.Length / 2];
                for (var f = 0; f < values.Length; f++)
                    values[f] = new NameValueEntry((RedisValue)fields[2 * f], (RedisValue)fields[2 * f + 1]);
                parsed[e] = new StreamEntry((RedisValue)entry[0], values);
            }
            result[index] = parsed;
        }
        return result;
    }

    private static int IndexOf(IReadOnlyList<(string Stream, string Start)> starts, string key)
    {
        for (var i = 0; i < starts.Count; i++)
            if (string.Equals(starts[i].Stream, key, StringComparison.Ordinal)) return i;
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        _off = true;
        if (_connection is { IsCompletedSuccessfully: true, Result: { } connection })
        {
            await connection.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
