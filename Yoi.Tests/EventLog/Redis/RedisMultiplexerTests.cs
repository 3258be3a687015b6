using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Yoi.EventLog.Redis;
using Yoi.EventLog.Redis.Resp;
using Yoi.Protocol.Cursors;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>The shared connection under concurrency and failure, against real (and private) redis-servers.</summary>
public sealed class RedisMultiplexerTests(RedisServerFixture redis)
{
    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan NeverHang = TimeSpan.FromSeconds(15);

    private static RedisConnectionOptions Options(int port, int syncTimeoutMs = 5000) =>
        RedisConnectionOptions.Parse($"127.0.0.1:{port},syncTimeout={syncTimeoutMs},connectTimeout=2000");

    private static byte[] Command(params string[] args)
    {
        using var buffer = new PooledBufferWriter();
        buffer.Resp.WriteCommandHeader(args.Length);
        foreach (var arg in args) buffer.Resp.WriteBulk(arg);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public async Task Thousand_concurrent_commands_each_get_their_own_reply()
    {
        var client = redis.Client;
        var keys = Enumerable.Range(0, 1000).Select(i => $"{_prefix}{i}").ToArray();
        await Task.WhenAll(keys.Select(k => client.SetAsync(k, k, cancellationToken: Ct)));
        var values = await Task.WhenAll(keys.Select(k => client.GetStringAsync(k, Ct)));
        Assert.Equal(keys, values);
    }

    [Fact]
    public async Task Concurrent_mixed_commands_from_many_threads_match_their_replies()
    {
        var client = redis.Client;
        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                var key = $"{_prefix}{t}:{i}";
                await client.SetAsync(key, key, cancellationToken: Ct);
                Assert.Equal(key, await client.GetStringAsync(key, Ct));
                Assert.Equal(1, await client.HashSetAsync(key + ":h", [new StreamField("f", Encoding.UTF8.GetBytes(key))], Ct));
            }
        }, Ct));
        await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task Command_in_flight_when_the_server_dies_fails_with_a_connection_exception()
    {
        await using var server = await RedisServerFixture.StartPrivateServerAsync();
        await using var multiplexer = await RedisMultiplexer.ConnectAsync(Options(server.Port, syncTimeoutMs: 30_000), Ct);
        var blocked = multiplexer.ExecuteAsync(Command("BLPOP", _prefix + "never", "20"), 1, Ct);
        await Task.Delay(100, Ct);
        await server.StopAsync();
        await Assert.ThrowsAsync<RedisConnectionException>(() => blocked.WaitAsync(NeverHang, Ct));
    }

    [Fact]
    public async Task Command_while_the_server_is_down_fails_with_a_connection_exception_after_the_timeout()
    {
        await using var server = await RedisServerFixture.StartPrivateServerAsync();
        await using var client = await RedisClient.ConnectAsync(Options(server.Port, syncTimeoutMs: 300), Ct);
        await server.StopAsync();
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<RedisConnectionException>(() => client.PingAsync(Ct).WaitAsync(NeverHang, Ct));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Client_reconnects_after_the_server_restarts_on_the_same_port()
    {
        await using var server = await RedisServerFixture.StartPrivateServerAsync();
        await using var client = await RedisClient.ConnectAsync(Options(server.Port), Ct);
        await client.SetAsync("k", "before", cancellationToken: Ct);
        await server.StopAsync();
        await Task.Delay(200, Ct);
        await server.StartAsync();
        // Waits (up to the command timeout) for the background reconnect.
        Assert.True(await client.SetAsync("k", "after", cancellationToken: Ct).WaitAsync(NeverHang, Ct));
        Assert.Equal("after", await client.GetStringAsync("k", Ct));
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task First_connect_to_a_missing_server_throws_unless_abortConnect_is_false()
    {
        var port = RedisServerProcess.FreePort();
        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisClient.ConnectAsync(Options(port), Ct));

        var lazy = Options(port, syncTimeoutMs: 10_000);
        lazy.AbortConnect = false;
        await using var client = await RedisClient.ConnectAsync(lazy, Ct);
        Assert.False(client.IsConnected);
        await using var server = await RedisServerProcess.StartOnPortAsync(port);
        Assert.True(await client.PingAsync(Ct).WaitAsync(NeverHang, Ct) >= TimeSpan.Zero);
    }

    [Fact]
    public async Task Command_without_a_reply_in_time_fails_with_a_timeout_exception()
    {
        await using var multiplexer = await RedisMultiplexer.ConnectAsync(Options(redis.Server.Port, syncTimeoutMs: 200), Ct);
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<RedisTimeoutException>(() =>
            multiplexer.ExecuteAsync(Command("BLPOP", _prefix + "never", "5"), 1, Ct).WaitAsync(NeverHang, Ct));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}"); // BLPOP would answer after 5 s
    }

    [Fact]
    public async Task Server_that_accepts_but_never_answers_times_out_the_connect()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var options = RedisConnectionOptions.Parse($"127.0.0.1:{port},connectTimeout=300");
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisClient.ConnectAsync(options, Ct).WaitAsync(NeverHang, Ct));
        Assert.Contains("handshake", error.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Auth_with_user_and_password_is_accepted_and_a_wrong_password_is_rejected()
    {
        await using var server = await RedisServerFixture.StartPrivateServerAsync(
            "--requirepass", "defaultpw", "--user", "alice", "on", ">alicepw", "~*", "+@all");
        await using (var alice = await RedisClient.ConnectAsync($"127.0.0.1:{server.Port},user=alice,password=alicepw,name=yoi-test", Ct))
            Assert.True(await alice.SetAsync("k", "v", cancellationToken: Ct));
        await using (var legacy = await RedisClient.ConnectAsync($"127.0.0.1:{server.Port},password=defaultpw,defaultDatabase=3", Ct))
            Assert.Null(await legacy.GetAsync("k", Ct)); // database 3, not 0

        var wrong = await Assert.ThrowsAsync<RedisConnectionException>(() =>
            RedisClient.ConnectAsync($"127.0.0.1:{server.Port},user=alice,password=nope", Ct));
        Assert.Contains("WRONGPASS", wrong.Message);

        var anonymous = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisClient.ConnectAsync($"127.0.0.1:{server.Port}", Ct));
        Assert.Contains("NOAUTH", anonymous.Message);
    }

    [Fact]
    public async Task Cancelling_a_blocking_read_returns_promptly_and_the_connection_is_reused()
    {
        await using var client = await RedisClient.ConnectAsync(redis.ConnectionString, Ct);
        var key = _prefix + "tail";
        // Warm the pool so the read below is on the server (not still connecting) when it is cancelled.
        Assert.Empty(await client.StreamReadAsync([new(key, StreamCursor.Zero)], 10, TimeSpan.FromMilliseconds(10), Ct));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var read = client.StreamReadAsync([new(key, StreamCursor.Zero)], 10, TimeSpan.FromSeconds(30), cts.Token);
        await Task.Delay(200, Ct);
        var watch = Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(NeverHang, Ct));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}"); // the block was 30 s
        Assert.Equal(1, client.Multiplexer.IdleBlockingCount);

        // The dedicated connection was unblocked, not dropped: the next blocking read reuses it.
        await client.StreamAddAsync(key, [new StreamField("p", "x"u8.ToArray())], cancellationToken: Ct);
        var result = await client.StreamReadAsync([new(key, StreamCursor.Zero)], 10, TimeSpan.FromSeconds(5), Ct);
        Assert.Single(Assert.Single(result).Entries);
        Assert.Equal(1, client.Multiplexer.IdleBlockingCount);
    }

    [Fact]
    public async Task Pipelined_batch_returns_every_reply_in_order_including_errors()
    {
        await using var multiplexer = await RedisMultiplexer.ConnectAsync(Options(redis.Server.Port), Ct);
        byte[] batch = [.. Command("SET", _prefix + "a", "1"), .. Command("INCR", _prefix + "a"), .. Command("HGET", _prefix + "a", "f"), .. Command("GET", _prefix + "a")];
        var reply = await multiplexer.ExecuteAsync(batch, 4, Ct);
        var items = reply.Items!;
        Assert.True(items[0].IsOk);
        Assert.Equal(2, items[1].Integer);
        Assert.True(items[2].IsError);
        Assert.Equal("2", items[3].AsString());
    }

    [Fact]
    public async Task Disposing_the_client_ends_a_blocking_read_in_progress()
    {
        var client = await RedisClient.ConnectAsync(redis.ConnectionString, Ct);
        var read = client.StreamReadAsync([new(_prefix + "none", StreamCursor.Zero)], 10, TimeSpan.FromSeconds(30), Ct);
        await Task.Delay(200, Ct);
        var watch = Stopwatch.StartNew();
        await client.DisposeAsync();
        await Assert.ThrowsAsync<RedisConnectionException>(() => read.WaitAsync(NeverHang, Ct));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }
}
