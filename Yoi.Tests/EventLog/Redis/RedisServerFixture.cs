using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using Yoi.Tests.EventLog.Redis;

[assembly: AssemblyFixture(typeof(RedisServerFixture))]

namespace Yoi.Tests.EventLog.Redis;

/// <summary>
/// One real <c>redis-server</c> for the whole test run on a free loopback port, plus one shared multiplexer, both
/// started on first use: a run of tests that need no Redis needs no <c>redis-server</c> on the PATH.
/// Tests that stop or restart a server start their own with <see cref="StartPrivateServerAsync"/>.
/// </summary>
public sealed class RedisServerFixture : IAsyncDisposable
{
    private readonly Lazy<RedisServerProcess> _server = new(() => RedisServerProcess.StartAsync().GetAwaiter().GetResult());
    private readonly Lazy<ConnectionMultiplexer> _multiplexer;

    public RedisServerFixture() =>
        _multiplexer = new(() => ConnectionMultiplexer.Connect(ConnectionString + ",allowAdmin=true"));

    public string ConnectionString => $"127.0.0.1:{Server.Port}";
    public RedisServerProcess Server => _server.Value;
    /// <summary>A multiplexer shared by the tests that only need ordinary commands.</summary>
    public IConnectionMultiplexer Multiplexer => _multiplexer.Value;

    /// <summary>A key prefix unique to one test.</summary>
    public static string NewKeyPrefix() => $"t:{Guid.NewGuid():N}:";

    /// <summary><c>INFO clients</c>' <c>connected_clients</c> of the server the multiplexer talks to.</summary>
    public static Task<long> ConnectedClientsAsync(IConnectionMultiplexer redis) => ClientsInfoAsync(redis, "connected_clients");

    /// <summary>One count of <c>INFO clients</c> (<c>connected_clients</c>, <c>blocked_clients</c>...) of the server the multiplexer talks to.</summary>
    public static async Task<long> ClientsInfoAsync(IConnectionMultiplexer redis, string field)
    {
        var info = await redis.GetServer(redis.GetEndPoints()[0]).InfoAsync("clients");
        var value = info.SelectMany(g => g).Single(p => p.Key == field).Value;
        return long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Starts an extra redis-server that only the calling test uses (extra args e.g. <c>--requirepass</c>).</summary>
    public static Task<RedisServerProcess> StartPrivateServerAsync(params string[] extraArgs) => RedisServerProcess.StartAsync(extraArgs);

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated) await _multiplexer.Value.DisposeAsync();
        if (_server.IsValueCreated) await _server.Value.DisposeAsync();
    }
}

/// <summary>A redis-server child process on a loopback port; can be stopped and started again on the same port.</summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly string[] _extraArgs;
    private Process? _process;

    private RedisServerProcess(int port, string[] extraArgs)
    {
        Port = port;
        _extraArgs = extraArgs;
    }

    public int Port { get; }
    public string ConnectionString => $"127.0.0.1:{Port}";

    public static Task<RedisServerProcess> StartAsync(params string[] extraArgs) => StartOnPortAsync(FreePort(), extraArgs);

    public static async Task<RedisServerProcess> StartOnPortAsync(int port, params string[] extraArgs)
    {
        var server = new RedisServerProcess(port, extraArgs);
        await server.StartAsync();
        return server;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" })
            info.ArgumentList.Add(arg);
        // "{port}" in an extra argument stands for this server's port (e.g. "--tls-port {port} --port 0").
        foreach (var arg in _extraArgs) info.ArgumentList.Add(arg.Replace("{port}", Port.ToString(), StringComparison.Ordinal));
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await Eventually.TrueAsync(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode}.");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, $"redis-server to listen on port {Port}");
    }

    /// <summary>Freezes the server with SIGSTOP: connections stay open, nothing is answered until <see cref="Resume"/>.</summary>
    public void Pause() => Signal("-STOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal("-CONT");

    private void Signal(string signal)
    {
        var pid = (_process ?? throw new InvalidOperationException("redis-server is not running.")).Id;
        using var kill = Process.Start("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill did not start.");
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill {signal} {pid} failed.");
    }

    /// <summary>Kills the server (connections drop at once).</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
