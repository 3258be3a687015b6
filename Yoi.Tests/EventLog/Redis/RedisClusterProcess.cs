using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>
/// A Redis Cluster of real <c>redis-server</c> processes on loopback (masters only), created with
/// <c>redis-cli --cluster create</c>. Each node also listens on its cluster bus port (port + 10000), so node ports are
/// picked where both are free.
/// </summary>
public sealed class RedisClusterProcess : IAsyncDisposable
{
    private readonly List<RedisServerProcess> _nodes;
    private readonly DirectoryInfo _dir;

    private RedisClusterProcess(List<RedisServerProcess> nodes, DirectoryInfo dir)
    {
        _nodes = nodes;
        _dir = dir;
    }

    public IReadOnlyList<RedisServerProcess> Nodes => _nodes;

    /// <summary>Every node, the StackExchange.Redis way: <c>127.0.0.1:p1,127.0.0.1:p2,...</c>.</summary>
    public string ConnectionString => string.Join(",", _nodes.Select(n => n.ConnectionString));

    public static async Task<RedisClusterProcess> StartAsync(int masters = 3)
    {
        var dir = Directory.CreateTempSubdirectory("yoi-cluster-");
        var nodes = new List<RedisServerProcess>();
        var cluster = new RedisClusterProcess(nodes, dir);
        try
        {
            for (var i = 0; i < masters; i++) nodes.Add(await StartNodeAsync(dir));
            var create = new List<string> { "--cluster", "create" };
            create.AddRange(nodes.Select(n => n.ConnectionString));
            create.AddRange(["--cluster-replicas", "0", "--cluster-yes"]);
            var (code, output) = await RedisCliAsync(create);
            if (code != 0) throw new InvalidOperationException($"redis-cli --cluster create failed: {output}");
            foreach (var node in nodes)
                await Eventually.ValueAsync(async () => (await RedisCliAsync(["-p", node.Port.ToString(), "cluster", "info"])).Output,
                    info => info.Contains("cluster_state:ok"), $"node {node.Port} to report cluster_state:ok");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static async Task<RedisServerProcess> StartNodeAsync(DirectoryInfo dir)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreeNodePort();
            var nodeDir = dir.CreateSubdirectory(port.ToString());
            try
            {
                return await RedisServerProcess.StartOnPortAsync(port, "--cluster-enabled", "yes",
                    "--cluster-config-file", Path.Combine(nodeDir.FullName, "nodes.conf"), "--dir", nodeDir.FullName);
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                // Another process took the port or its bus port in between: try another pair.
            }
        }
    }

    /// <summary>A port below 55536 that is free, and whose bus port (port + 10000) is free too.</summary>
    private static int FreeNodePort()
    {
        while (true)
        {
            var port = Random.Shared.Next(20000, 55000);
            if (IsFree(port) && IsFree(port + 10000)) return port;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<(int Code, string Output)> RedisCliAsync(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        try { _dir.Delete(recursive: true); }
        catch (IOException) { }
    }
}
