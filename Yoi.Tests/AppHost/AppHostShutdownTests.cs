using StackExchange.Redis;
using Yoi.Client;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.Processes;

namespace Yoi.Tests.AppHost;

public sealed class AppHostShutdownTests(RedisServerFixture redis)
{
    [Fact]
    public async Task Sigterm_stops_every_child_process_and_leaves_no_orphan()
    {
        var dataDir = Directory.CreateTempSubdirectory("yoi-apphost-").FullName;
        await using var host = AppHostProcess.Start(["--backend-port", "0", "--data-dir", dataDir]);
        var backendUrl = await host.WaitReadyAsync(TimeSpan.FromSeconds(90));
        Assert.StartsWith("http://127.0.0.1:", backendUrl);

        var children = ProcessTree.Descendants(host.Pid);
        // redis-server, two runtimes and the backend.
        Assert.True(children.Count >= 4, $"expected at least 4 child processes, saw {children.Count}:\n{host.Output}");

        host.Signal(15);
        await host.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, host.ExitCode);
        Assert.All(children, pid => Assert.False(ProcessTree.IsAlive(pid), $"child {pid} outlived the AppHost"));
        Assert.Contains("[redis]", host.Output);
        Assert.Contains("[rt-1]", host.Output);
        Assert.Contains("[backend]", host.Output);
    }

    [Fact]
    public async Task Without_redis_server_on_the_path_it_says_so_and_runs_the_single_process_topology()
    {
        var dataDir = Directory.CreateTempSubdirectory("yoi-apphost-").FullName;
        // A PATH with nothing on it: the AppHost finds no redis-server (it starts services through its own dotnet host).
        var emptyPath = Directory.CreateTempSubdirectory("yoi-empty-path-").FullName;
        await using var host = AppHostProcess.Start(["--backend-port", "0", "--data-dir", dataDir],
            new Dictionary<string, string?> { ["PATH"] = emptyPath });
        await host.WaitReadyAsync(TimeSpan.FromSeconds(90));

        Assert.Contains("No redis-server on the PATH", host.Output);
        // No setpriv either: the backend is started directly, as the one line says.
        Assert.Contains("No setpriv on the PATH", host.Output);
        Assert.Single(ProcessTree.Descendants(host.Pid));
        Assert.DoesNotContain("[redis]", host.Output);
    }

    [Fact]
    public async Task With_redis_given_it_starts_no_redis_server_and_the_runtimes_use_that_one()
    {
        var dataDir = Directory.CreateTempSubdirectory("yoi-apphost-").FullName;
        await using var host = AppHostProcess.Start(["--backend-port", "0", "--runtimes", "1", "--redis", redis.ConnectionString,
            "--data-dir", dataDir]);
        var backendUrl = await host.WaitReadyAsync(TimeSpan.FromSeconds(90));

        Assert.DoesNotContain("[redis]", host.Output);
        Assert.Equal(2, ProcessTree.Descendants(host.Pid).Count); // rt-1 and the backend
        using var http = new HttpClient { BaseAddress = new Uri(backendUrl) };
        var worker = await new YoiClient(http).CreateWorkerAsync("rt-1", cancellationToken: TestContext.Current.CancellationToken);
        // The runtime wrote its registry to the given server, under the default prefix.
        var registry = await redis.Multiplexer.GetDatabase().HashGetAllAsync("yoi:{rt-1}:workers");
        Assert.Contains(worker.WorkerId, registry.Select(e => (string?)e.Name));
    }

    [Fact]
    public async Task An_unknown_option_stops_the_apphost_with_a_message_naming_it()
    {
        await using var host = AppHostProcess.Start(["--backend-prot", "5000"]);
        await host.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, host.ExitCode);
        Assert.Contains("Unknown option '--backend-prot'", host.Output);
    }
}
