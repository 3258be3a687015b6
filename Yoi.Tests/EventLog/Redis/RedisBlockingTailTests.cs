using System.Diagnostics;
using System.Globalization;
using System.Text;
using StackExchange.Redis;
using Yoi.EventLog;
using Yoi.EventLog.Redis;
using Yoi.Protocol.Cursors;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>
/// The dedicated <c>XREAD BLOCK</c> reader of <see cref="RedisEventLog"/>: one connection, a proof of contiguity
/// without extra reads, and the notification fallback while it is busy. Each test has a private redis-server, so
/// its command counts and connections are its own.
/// </summary>
public sealed class RedisBlockingTailTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static ReadOnlyMemory<byte> Json(int n) => Encoding.UTF8.GetBytes($$"""{"n":{{n}}}""");

    [Fact]
    public async Task Blocking_tail_follows_appends_one_by_one_without_extra_reads_for_gap_checks()
    {
        await using var setup = await PrivateLog.StartAsync();
        var (redis, log) = (setup.Redis, setup.Log);
        var stream = "t:one-by-one";
        var position = await log.AppendAsync(stream, Json(0), StreamRetention.Unbounded, Ct);
        var appended = new List<StreamCursor>();
        var received = new List<StreamCursor>();
        var follow = Task.Run(async () =>
        {
            while (received.Count < 40)
            {
                foreach (var batch in await log.TailAsync([new(stream, position)], 100, TimeSpan.FromSeconds(10), Ct))
                {
                    Assert.False(batch.Gap);
                    foreach (var entry in batch.Entries) received.Add(position = entry.Cursor);
                }
            }
        }, Ct);
        await WaitForBlockedClientsAsync(redis, 1); // the tail blocks first: most appends then land on a waiting XREAD
        for (var i = 1; i <= 40; i++)
        {
            appended.Add(await log.AppendAsync(stream, Json(i), StreamRetention.Unbounded, Ct));
            if (i % 4 == 0) await WaitForRedisClockPastAsync(redis, appended[^1]); // the next ID has sequence 0: only its prev field proves it follows
        }
        await follow.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal(appended, received);
        Assert.Contains(appended, id => id.Sequence == 0);
        var stats = await CommandStatsAsync(redis);
        Assert.True(stats.GetValueOrDefault("xread") >= 2, $"XREAD calls: {stats.GetValueOrDefault("xread")}");
        Assert.Equal(0, stats.GetValueOrDefault("xinfo|stream")); // no gap check was needed
        Assert.Equal(0, stats.GetValueOrDefault("xrange"));
    }

    [Fact]
    public async Task Blocking_tail_of_many_streams_uses_one_connection()
    {
        await using var setup = await PrivateLog.StartAsync();
        var (redis, log) = (setup.Redis, setup.Log);
        var streams = Enumerable.Range(0, 50).Select(i => $"t:many:{i}").ToArray();
        await log.AppendAsync(streams[0], Json(0), StreamRetention.Unbounded, Ct); // connects the shared multiplexer fully
        var before = await RedisServerFixture.ConnectedClientsAsync(redis);

        var tail = log.TailAsync(streams.Select(s => new Yoi.EventLog.StreamPosition(s, StreamCursor.Zero)).Skip(1).ToArray(), 10,
            TimeSpan.FromSeconds(20), Ct).AsTask();
        await WaitForBlockedClientsAsync(redis, 1);
        Assert.Equal(before + 1, await RedisServerFixture.ConnectedClientsAsync(redis));
        await log.AppendAsync(streams[37], Json(37), StreamRetention.Unbounded, Ct);
        var batch = Assert.Single(await tail.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(streams[37], batch.Stream);
    }

    [Fact]
    public async Task Tail_while_the_blocking_reader_waits_elsewhere_is_woken_by_the_append_notification()
    {
        await using var setup = await PrivateLog.StartAsync();
        var (redis, log) = (setup.Redis, setup.Log);
        var first = log.TailAsync([new("t:first", StreamCursor.Zero)], 10, TimeSpan.FromSeconds(30), Ct).AsTask();
        await WaitForBlockedClientsAsync(redis, 1);
        var second = log.TailAsync([new("t:second", StreamCursor.Zero)], 10, TimeSpan.FromSeconds(30), Ct).AsTask();

        var started = Stopwatch.StartNew();
        await log.AppendAsync("t:second", Json(2), StreamRetention.Unbounded, Ct);
        Assert.Equal("t:second", Assert.Single(await second.WaitAsync(TimeSpan.FromSeconds(10), Ct)).Stream);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(1.5), $"woken after {started.Elapsed}"); // not by the reader's 2 s block
        Assert.False(first.IsCompleted);
        await log.AppendAsync("t:first", Json(1), StreamRetention.Unbounded, Ct);
        Assert.Equal("t:first", Assert.Single(await first.WaitAsync(TimeSpan.FromSeconds(10), Ct)).Stream);
    }

    [Fact]
    public async Task Tail_after_a_cancelled_blocking_tail_still_gets_the_next_append_at_once()
    {
        await using var setup = await PrivateLog.StartAsync();
        var (redis, log) = (setup.Redis, setup.Log);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var cancelled = log.TailAsync([new("t:s", StreamCursor.Zero)], 10, TimeSpan.FromSeconds(30), cancel.Token).AsTask();
        await WaitForBlockedClientsAsync(redis, 1);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(5), Ct));

        var next = log.TailAsync([new("t:s", StreamCursor.Zero)], 10, TimeSpan.FromSeconds(30), Ct).AsTask();
        var started = Stopwatch.StartNew();
        var id = await log.AppendAsync("t:s", Json(1), StreamRetention.Unbounded, Ct);
        Assert.Equal(id, Assert.Single(Assert.Single(await next.WaitAsync(TimeSpan.FromSeconds(10), Ct)).Entries).Cursor);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(1.5), $"woken after {started.Elapsed}");
    }

    [Fact]
    public async Task Blocking_tail_announces_a_gap_when_one_batch_outgrows_retention_while_it_waits()
    {
        await using var setup = await PrivateLog.StartAsync();
        var (redis, log) = (setup.Redis, setup.Log);
        await redis.GetServer(redis.GetEndPoints()[0]).ConfigSetAsync("stream-node-max-entries", "4"); // MAXLEN ~ trims in small nodes
        var position = await log.AppendAsync("t:gap", Json(0), StreamRetention.Unbounded, Ct);
        var tail = log.TailAsync([new("t:gap", position)], 100, TimeSpan.FromSeconds(30), Ct).AsTask();
        await WaitForBlockedClientsAsync(redis, 1);

        var ids = await log.AppendBatchAsync("t:gap", Enumerable.Range(1, 40).Select(Json).ToArray(), new StreamRetention(8), Ct);
        var batch = Assert.Single(await tail.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.True(batch.Gap);
        Assert.Equal(ids.TakeLast(batch.Entries.Count), batch.Entries.Select(e => e.Cursor));
        Assert.True(batch.Entries.Count < ids.Count);
    }

    [Fact]
    public async Task Blocking_reader_first_used_while_a_cluster_is_down_switches_to_notifications_once_it_answers()
    {
        await using var cluster = await RedisClusterProcess.StartAsync(3);
        foreach (var node in cluster.Nodes) await node.StopAsync();
        var connection = cluster.ConnectionString + ",abortConnect=false,connectTimeout=1000";
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connection);
        await using var log = new RedisEventLog(redis, blockingReader: ConfigurationOptions.Parse(connection));
        Yoi.EventLog.StreamPosition[] positions = [new("t:{x}:a", StreamCursor.Zero), new("t:{y}:b", StreamCursor.Zero)]; // two slots
        await Assert.ThrowsAnyAsync<RedisException>(() => log.TailAsync(positions, 10, TimeSpan.FromSeconds(1), Ct).AsTask());

        foreach (var node in cluster.Nodes) await node.StartAsync();
        await Eventually.SucceedsAsync(async () => await log.AppendAsync("t:{y}:b", Json(0), StreamRetention.Unbounded, Ct),
            "the cluster to take appends again");
        var batches = await Eventually.SucceedsAsync(async () => await log.TailAsync(positions, 10, TimeSpan.FromSeconds(1), Ct),
            "a tail across two slots to read again", b => b.Count > 0);
        Assert.Equal("t:{y}:b", Assert.Single(batches).Stream);
    }

    /// <summary>A private redis-server, an admin multiplexer on it, and the event log with its blocking reader.</summary>
    private sealed class PrivateLog : IAsyncDisposable
    {
        private readonly RedisServerProcess _server;

        private PrivateLog(RedisServerProcess server, ConnectionMultiplexer redis)
        {
            _server = server;
            Redis = redis;
            Log = new RedisEventLog(redis, blockingReader: ConfigurationOptions.Parse(server.ConnectionString));
        }

        public ConnectionMultiplexer Redis { get; }
        public RedisEventLog Log { get; }

        public static async Task<PrivateLog> StartAsync()
        {
            var server = await RedisServerFixture.StartPrivateServerAsync();
            return new PrivateLog(server, await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true"));
        }

        public async ValueTask DisposeAsync()
        {
            await Log.DisposeAsync();
            await Redis.DisposeAsync();
            await _server.DisposeAsync();
        }
    }

    /// <summary>Waits until Redis's own clock has left <paramref name="id"/>'s millisecond.</summary>
    private static Task WaitForRedisClockPastAsync(IConnectionMultiplexer redis, StreamCursor id) =>
        Eventually.ValueAsync(async () =>
        {
            var now = await redis.GetServer(redis.GetEndPoints()[0]).TimeAsync();
            return (ulong)new DateTimeOffset(DateTime.SpecifyKind(now, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        }, ms => ms > id.Milliseconds, $"Redis's clock past the millisecond of {id}", poll: TimeSpan.FromMilliseconds(1));

    private static Task WaitForBlockedClientsAsync(IConnectionMultiplexer redis, int count) =>
        Eventually.ValueAsync(() => RedisServerFixture.ClientsInfoAsync(redis, "blocked_clients"), blocked => blocked >= count, $"{count} blocked clients");

    private static async Task<Dictionary<string, long>> CommandStatsAsync(IConnectionMultiplexer redis)
    {
        var info = await redis.GetServer(redis.GetEndPoints()[0]).InfoAsync("commandstats");
        var stats = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var pair in info.SelectMany(g => g))
        {
            var calls = pair.Value.Split(',')[0]; // calls=N
            stats[pair.Key["cmdstat_".Length..]] = long.Parse(calls["calls=".Length..], CultureInfo.InvariantCulture);
        }
        return stats;
    }
}
