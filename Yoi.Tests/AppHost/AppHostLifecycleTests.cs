using Yoi.Client;
using Yoi.Tests.Processes;

namespace Yoi.Tests.AppHost;

/// <summary>
/// Starting and stopping the real AppHost: nothing it started outlives it, however it ends; the topology follows
/// the options and what the machine has.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class AppHostLifecycleTests
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(120);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(15)] // SIGTERM: a graceful stop
    [InlineData(9)]  // SIGKILL: DCP sees its AppHost gone and tears everything down
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // /proc and file modes
    public async Task However_the_apphost_ends_no_process_it_started_is_left_behind(int signal)
    {
        var dataDirectory = TempDirectory();
        await using var host = AppHostProcess.Start(["--backend-port", "0", "--runtimes", "1", "--data-dir", dataDirectory]);
        var (backend, _) = await host.WaitReadyAsync(Ready);
        var started = host.Orchestrated();
        var commands = started.Select(pid => string.Join(' ', ProcessTree.CommandLine(pid))).ToList();
        Assert.Contains(commands, c => c.Contains("/dcp ", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.Contains("Aspire.Dashboard", StringComparison.Ordinal));
        // DCP's redis-server: its password in a file only the user reads (never on a command line), AOF in the data folder.
        Assert.Single(commands, c => c.Contains("redis-server", StringComparison.Ordinal));
        Assert.DoesNotContain(commands, c => c.Contains("requirepass", StringComparison.Ordinal));
        var redisData = Path.Combine(dataDirectory, "redis");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(redisData, "redis.conf")));
        using var http = new HttpClient { BaseAddress = new Uri(backend) };
        await new YoiClient(http).CreateWorkerAsync("rt-1", cancellationToken: Ct);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(redisData, "appendonlydir")));
        Assert.Contains(commands, c => c.EndsWith("/Yoi.RuntimeService", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.EndsWith("/Yoi.BackendService", StringComparison.Ordinal));

        host.Signal(signal);
        await host.WaitForExitAsync(TimeSpan.FromSeconds(60));
        if (signal == 15) Assert.Equal(0, host.ExitCode);
        var survivors = await ProcessTree.WaitAllGoneAsync(started, TimeSpan.FromSeconds(60));
        Assert.True(survivors.Count == 0, "outlived the AppHost: " + string.Join(", ", survivors.Select(pid =>
            $"{pid} ({string.Join(' ', ProcessTree.CommandLine(pid))})")));
    }

    [Fact]
    public async Task Without_redis_server_on_the_path_it_says_so_and_runs_the_backend_alone_with_embedded_runtimes()
    {
        // A PATH with only the dotnet host on it (DCP starts the services through it), so no redis-server.
        var path = Directory.CreateTempSubdirectory("yoi-path-").FullName;
        File.CreateSymbolicLink(Path.Combine(path, "dotnet"), BuiltArtifacts.DotnetHostPath);
        await using var host = AppHostProcess.Start(["--backend-port", "0", "--data-dir", TempDirectory()],
            new Dictionary<string, string?> { ["PATH"] = path });
        var (backend, _) = await host.WaitReadyAsync(Ready);

        Assert.Single(host.Output.Split('\n'), l => l.StartsWith("No redis-server on the PATH", StringComparison.Ordinal));
        var commands = host.Orchestrated().Select(pid => string.Join(' ', ProcessTree.CommandLine(pid))).ToList();
        Assert.DoesNotContain(commands, c => c.Contains("redis-server", StringComparison.Ordinal) || c.EndsWith("/Yoi.RuntimeService", StringComparison.Ordinal));
        Assert.Single(commands, c => c.EndsWith("/Yoi.BackendService", StringComparison.Ordinal));

        // Same API: both runtimes, embedded, and a worker runs on one.
        using var http = new HttpClient { BaseAddress = new Uri(backend) };
        var client = new YoiClient(http);
        var runtimes = await client.ListRuntimesAsync(Ct);
        Assert.Equal([("rt-1", "embedded"), ("rt-2", "embedded")], runtimes.Runtimes.Select(r => (r.RuntimeId, r.Source)));
        var worker = await client.CreateWorkerAsync("rt-2", cancellationToken: Ct);
        Assert.Equal("idle", worker.Status);
    }

    [Fact]
    public async Task With_redis_pointing_at_a_cluster_every_service_stores_and_reads_there()
    {
        await using var cluster = await Yoi.Tests.EventLog.Redis.RedisClusterProcess.StartAsync(3);
        await using var host = AppHostProcess.Start(["--backend-port", "0", "--runtimes", "1", "--redis", cluster.ConnectionString,
            "--data-dir", TempDirectory()]);
        var (backend, _) = await host.WaitReadyAsync(Ready);
        var commands = host.Orchestrated().Select(pid => string.Join(' ', ProcessTree.CommandLine(pid))).ToList();
        Assert.DoesNotContain(commands, c => c.Contains("redis-server", StringComparison.Ordinal)); // the cluster is the only Redis

        using var http = new HttpClient { BaseAddress = new Uri(backend) };
        var client = new YoiClient(http);
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var page = await client.GetEventsAsync("rt-1", worker.WorkerId, cancellationToken: Ct);
        Assert.NotEmpty(page.Events);

        // The runtime's keys are in the cluster, all in the one slot of its hash tag.
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var keys = new List<string>();
        foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
            await foreach (var key in server.KeysAsync(pattern: "*{rt-1}*")) keys.Add(key!);
        Assert.Contains(keys, k => k.Contains(worker.WorkerId, StringComparison.Ordinal));
        Assert.Single(keys.Select(k => redis.HashSlot(k)).Distinct());
    }

    [Theory]
    [InlineData("--backend-prot", "5000", "Unknown option '--backend-prot'")]
    [InlineData("--runtimes", "0", "AppHost:Runtimes must be a whole number from 1 to 64, not '0'")]
    [InlineData("--backend-port", "http", "AppHost:BackendPort must be a whole number from 0 to 65535, not 'http'")]
    public async Task A_bad_option_stops_the_apphost_at_once_with_a_message_naming_it(string option, string value, string message)
    {
        await using var host = AppHostProcess.Start([option, value]);
        await host.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, host.ExitCode);
        Assert.Contains(message, host.Output);
        Assert.Empty(host.Orchestrated());
    }

    private static string TempDirectory() => Directory.CreateTempSubdirectory("yoi-apphost-").FullName;
}
