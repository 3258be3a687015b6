using System.Diagnostics;
using System.Runtime.Versioning;
using Yoi.Client;
using Yoi.Protocol.Envelopes;
using Yoi.Tests.Processes;

namespace Yoi.Tests.AppHost;

/// <summary>
/// A Runtime killed outright under the AppHost is started again by it (Yoi.AppHost/Topology/RestartOnCrash.cs), and
/// the Backend's observers hear <c>runtime_unavailable</c> then <c>runtime_available</c> without being disconnected.
/// Runs on the shared topology: the runtime is back and serving when the test ends.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class RuntimeRestartTests(SharedAppHost shared)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [SupportedOSPlatform("linux")] // /proc
    public async Task A_runtime_killed_with_sigkill_is_started_again_and_serves_while_observers_hear_it_go_and_come_back()
    {
        using var http = new HttpClient { BaseAddress = new Uri(shared.BackendUrl) };
        var client = new YoiClient(http);
        var killed = await Eventually.ValueAsync(() => RuntimeProcess("rt-1"), pid => pid is not null, "the rt-1 runtime process");

        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        watching.CancelAfter(TimeSpan.FromSeconds(120));
        await using var frames = client.ObserveRuntime("rt-1").ReadAllAsync(watching.Token).GetAsyncEnumerator(watching.Token);
        Assert.True(await frames.MoveNextAsync());
        Assert.IsType<RuntimeSnapshotFrame>(frames.Current);

        using (var process = Process.GetProcessById(killed!.Value)) process.Kill(); // SIGKILL: no shutdown of its own
        var codes = new List<string>();
        while (!codes.Contains("runtime_available") && await frames.MoveNextAsync())
            if (frames.Current is DiagnosticFrame diagnostic) codes.Add(diagnostic.Code);
        Assert.Equal(["runtime_unavailable", "runtime_available"], codes.Where(c => c.StartsWith("runtime_", StringComparison.Ordinal)));

        var restarted = await Eventually.ValueAsync(() => RuntimeProcess("rt-1"), pid => pid is not null && pid != killed,
            "a new rt-1 runtime process", TimeSpan.FromSeconds(60));
        Assert.False(ProcessTree.IsAlive(killed.Value));
        Assert.True((await client.GetRuntimeAsync("rt-1", Ct)).Available);
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        Assert.Equal("idle", worker.Status);
        Assert.Contains("rt-1 exited on its own", shared.Host.Output);
        Assert.True(ProcessTree.IsAlive(restarted!.Value)); // the new process is the one that served
    }

    /// <summary>The live Yoi.RuntimeService process the AppHost started for <paramref name="runtimeId"/>, if any.</summary>
    private int? RuntimeProcess(string runtimeId) => shared.Host.Orchestrated()
        .Where(pid => ProcessTree.IsAlive(pid) && ProcessTree.CommandLine(pid) is [.., var last] && last.EndsWith("/Yoi.RuntimeService", StringComparison.Ordinal))
        .Where(pid => Environment(pid).Contains($"Runtime__Id={runtimeId}"))
        .Select(pid => (int?)pid).SingleOrDefault();

    private static string[] Environment(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/environ").Split('\0'); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }
}
