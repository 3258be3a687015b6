using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Yoi.EventLog.Redis;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>
/// Misbehaving servers the real one cannot imitate: one that answers the handshake and then goes silent, one
/// that sends a reply larger than the configured maximum.
/// </summary>
public sealed class FakeRedisServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Accepts one connection, answers the handshake's CLIENT ID, then sends <paramref name="afterHandshake"/> (or nothing).</summary>
    private static async Task<(TcpListener Listener, Task Serving)> StartAsync(string? afterHandshake)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(Ct);
            var buffer = new byte[4096];
            var received = new StringBuilder();
            while (!received.ToString().Contains("\r\nID\r\n"))
            {
                var n = await socket.ReceiveAsync(buffer, Ct);
                if (n == 0) return;
                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            await socket.SendAsync(":7\r\n"u8.ToArray(), Ct);
            if (await socket.ReceiveAsync(buffer, Ct) == 0) return;
            if (afterHandshake is not null) await socket.SendAsync(Encoding.ASCII.GetBytes(afterHandshake), Ct);
            // Keep the connection open, silent, until the client goes away.
            while (await socket.ReceiveAsync(buffer, Ct) > 0) { }
        }, Ct);
        await Task.Yield();
        return (listener, serving);
    }

    private static int PortOf(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;

    [Fact]
    public async Task Server_that_stops_answering_after_the_handshake_times_the_command_out()
    {
        var (listener, serving) = await StartAsync(afterHandshake: null);
        using (listener)
        {
            await using var client = await RedisClient.ConnectAsync($"127.0.0.1:{PortOf(listener)},syncTimeout=200", Ct);
            var watch = Stopwatch.StartNew();
            await Assert.ThrowsAsync<RedisTimeoutException>(() => client.PingAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        }
        await serving.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task Reply_larger_than_the_maximum_fails_the_command_with_a_protocol_error_not_an_allocation()
    {
        var (listener, serving) = await StartAsync(afterHandshake: "$1073741824\r\n");
        using (listener)
        {
            var options = RedisConnectionOptions.Parse($"127.0.0.1:{PortOf(listener)},syncTimeout=5000");
            options.MaxReplySize = 1024;
            await using var client = await RedisClient.ConnectAsync(options, Ct);
            var error = await Assert.ThrowsAsync<RedisProtocolException>(() => client.GetAsync("k", Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct));
            Assert.Contains("maximum reply size", error.Message);
        }
        await serving.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task Garbage_from_the_server_fails_the_command_and_drops_the_connection()
    {
        var (listener, serving) = await StartAsync(afterHandshake: "?what\r\n");
        using (listener)
        {
            await using var client = await RedisClient.ConnectAsync($"127.0.0.1:{PortOf(listener)},syncTimeout=5000", Ct);
            await Assert.ThrowsAsync<RedisProtocolException>(() => client.PingAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct));
            Assert.False(client.IsConnected);
        }
        await serving.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }
}
