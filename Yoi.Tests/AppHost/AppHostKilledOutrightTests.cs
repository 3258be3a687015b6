using System.Diagnostics;
using Yoi.Tests.Processes;

namespace Yoi.Tests.AppHost;

/// <summary>
/// SPEC 7, no orphan child processes: when the AppHost is killed outright (SIGKILL, no chance to stop anything), the
/// kernel's parent-death signal takes redis-server, the runtimes and the backend down with it.
/// </summary>
public sealed class AppHostKilledOutrightTests
{
    private static readonly TimeSpan GoneWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sigkill_of_the_apphost_takes_every_child_down_with_it()
    {
        await using var host = AppHostProcess.Start(["--backend-port", "0", "--data-dir", TempDataDirectory()]);
        await host.WaitReadyAsync(TimeSpan.FromSeconds(90));
        var children = TopologyChildren(host);
        try
        {
            await KillAndAssertNoChildSurvivesAsync(host, children);
        }
        finally
        {
            KillSurvivors(children);
        }
    }

    [Fact]
    public async Task Children_outlive_retired_thread_pool_threads_and_still_die_with_the_apphost()
    {
        await using var host = AppHostProcess.Start(["--backend-port", "0", "--data-dir", TempDataDirectory()]);
        var backendUrl = await host.WaitReadyAsync(TimeSpan.FromSeconds(90));
        var children = TopologyChildren(host);
        try
        {
            // The parent-death signal fires when the forking thread exits, and an idle thread-pool thread exits after
            // 20 s (DOTNET_ThreadPool_ThreadTimeoutMs): children forked on one would die here, ones forked on the
            // AppHost's spawner thread must not. Wait until every pool worker of the now idle AppHost has retired.
            await WaitThreadPoolWorkersRetiredAsync(host.Pid);
            Assert.All(children, pid => Assert.True(ProcessTree.IsAlive(pid),
                $"child {pid} died while the AppHost was idle:\n{host.Output}"));
            using var http = new HttpClient { BaseAddress = new Uri(backendUrl) };
            using var health = await http.GetAsync("/health", TestContext.Current.CancellationToken);
            Assert.True(health.IsSuccessStatusCode, $"/health answered {(int)health.StatusCode}");

            await KillAndAssertNoChildSurvivesAsync(host, children);
        }
        finally
        {
            KillSurvivors(children);
        }
    }

    /// <summary>The thread pool's default idle timeout after which a worker thread exits.</summary>
    private static readonly TimeSpan ThreadPoolThreadTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Waits past the idle timeout, then until the process has no thread-pool worker left (they retire one by one,
    /// about 35 s after the AppHost is ready on a quiet machine), 60 s at most.
    /// </summary>
    private static async Task WaitThreadPoolWorkersRetiredAsync(int pid)
    {
        await Task.Delay(ThreadPoolThreadTimeout + TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(35);
        while (ProcessTree.ThreadNames(pid).Contains(".NET TP Worker") && DateTime.UtcNow < deadline)
            await Task.Delay(500, TestContext.Current.CancellationToken);
    }

    private static string TempDataDirectory() => Directory.CreateTempSubdirectory("yoi-apphost-").FullName;

    /// <summary>redis-server, two runtimes and the backend, each the program itself (setpriv exec'd it, same pid).</summary>
    private static IReadOnlyList<int> TopologyChildren(AppHostProcess host)
    {
        Assert.DoesNotContain("No setpriv on the PATH", host.Output);
        var children = ProcessTree.Descendants(host.Pid);
        var names = children.Select(ProcessTree.CommandName).ToList();
        Assert.True(children.Count >= 4, $"expected at least 4 child processes, saw {string.Join(", ", names)}:\n{host.Output}");
        Assert.Contains("redis-server", names);
        Assert.DoesNotContain("setpriv", names);
        return children;
    }

    private static async Task KillAndAssertNoChildSurvivesAsync(AppHostProcess host, IReadOnlyList<int> children)
    {
        host.Signal(9);
        await host.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var survivors = await ProcessTree.WaitAllGoneAsync(children, GoneWithin);
        Assert.True(survivors.Count == 0,
            $"children outlived the killed AppHost: {string.Join(", ", survivors.Select(p => $"{p} ({ProcessTree.CommandName(p)})"))}");
    }

    private static void KillSurvivors(IEnumerable<int> pids)
    {
        foreach (var pid in pids.Where(ProcessTree.IsAlive))
            try { using var process = Process.GetProcessById(pid); process.Kill(entireProcessTree: true); }
            catch (ArgumentException) { }
            catch (InvalidOperationException) { }
    }
}
