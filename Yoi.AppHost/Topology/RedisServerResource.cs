using System.Net.Sockets;
using Yoi.AppHost.Processes;

namespace Yoi.AppHost.Topology;

/// <summary>A local <c>redis-server</c> on a free loopback port with its own data folder and AOF on.</summary>
internal static class RedisServerResource
{
    public static string? FindExecutable() => ExecutableSearch.OnPath("redis-server");

    public static async Task<(ChildProcess Process, string ConnectionString)> StartAsync(
        string executable, string dataDirectory, TextWriter output, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        var port = FreePort.Next();
        var process = ChildProcess.Start("redis", executable,
        [
            "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", dataDirectory,
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
            "--protected-mode", "yes", "--daemonize", "no",
        ], new Dictionary<string, string?>(), output);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException("redis-server exited at start; see its [redis] lines above.");
            if (await AnswersPingAsync(port, cancellationToken)) return (process, $"127.0.0.1:{port}");
            await Task.Delay(50, cancellationToken);
        }
        await process.DisposeAsync();
        throw new TimeoutException("redis-server did not answer PING within 15 s.");
    }

    private static async Task<bool> AnswersPingAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, cancellationToken);
            return read >= 5 && buffer.AsSpan(0, 5).SequenceEqual("+PONG"u8);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
