using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.Processes;

namespace Yoi.Tests.AppHost;

/// <summary>
/// The real Yoi.AppHost (an Aspire AppHost), started as a child of the test with its output captured. Its dashboard,
/// OTLP and resource-service endpoints get free loopback ports (other test runs share the machine), over plain http
/// as the launch profile sets them, with anonymous dashboard access so tests can read the telemetry API.
/// </summary>
public sealed partial class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _backend = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _dashboard = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<int> _orchestrated = [];

    private AppHostProcess(Process process) => _process = process;

    public int Pid => _process.Id;
    public string Output { get { lock (_output) return _output.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static AppHostProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(BuiltArtifacts.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(BuiltArtifacts.Assembly("Yoi.AppHost"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        // What Yoi.AppHost/Properties/launchSettings.json sets for `dotnet run`, on free ports.
        info.Environment["ASPNETCORE_URLS"] = Loopback();
        info.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = Loopback();
        info.Environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = Loopback();
        info.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = Loopback();
        info.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        info.Environment["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        info.Environment.Remove("ConnectionStrings__redis");
        if (environment is not null)
            foreach (var (k, v) in environment) info.Environment[k] = v;

        var host = new AppHostProcess(new Process { StartInfo = info, EnableRaisingEvents = true });
        host._process.OutputDataReceived += (_, e) => host.OnLine(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.OnLine(e.Data);
        host._process.Exited += (_, _) =>
        {
            var error = new InvalidOperationException($"AppHost exited before it was ready:\n{host.Output}");
            host._backend.TrySetException(error);
            host._dashboard.TrySetException(error);
        };
        host._process.Start();
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        return host;
    }

    private static string Loopback() => $"http://127.0.0.1:{RedisServerProcess.FreePort()}";

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (line.StartsWith("Backend ready: ", StringComparison.Ordinal)) _backend.TrySetResult(line["Backend ready: ".Length..].Trim());
        if (line.StartsWith("Dashboard: ", StringComparison.Ordinal)) _dashboard.TrySetResult(line["Dashboard: ".Length..].Trim());
    }

    /// <summary>
    /// The Backend URL and the dashboard URL from the two lines the AppHost prints once everything is healthy; the
    /// processes DCP started are recorded then.
    /// </summary>
    public async Task<(string Backend, string Dashboard)> WaitReadyAsync(TimeSpan timeout)
    {
        try
        {
            var backend = await _backend.Task.WaitAsync(timeout);
            var dashboard = await _dashboard.Task.WaitAsync(timeout);
            RecordOrchestrated();
            return (backend, dashboard);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"AppHost was not ready within {timeout}:\n{Output}");
        }
    }

    /// <summary>
    /// Every process running for this AppHost: DCP's API server (it detaches from the AppHost and watches it through
    /// <c>--monitor PID</c>) and all its descendants (controllers, dashboard, redis-server, <c>dotnet run</c>, services),
    /// plus the AppHost's own descendants.
    /// </summary>
    public IReadOnlyList<int> Orchestrated()
    {
        RecordOrchestrated();
        lock (_orchestrated) return _orchestrated.ToList();
    }

    private void RecordOrchestrated()
    {
        var roots = ProcessTree.WithArguments("--monitor", Pid.ToString()).Append(Pid);
        lock (_orchestrated)
            foreach (var root in roots)
            {
                if (root != Pid) _orchestrated.Add(root);
                foreach (var pid in ProcessTree.Descendants(root)) _orchestrated.Add(pid);
            }
    }

    public void Signal(int signal) => _ = Kill(_process.Id, signal);

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    /// <summary>SIGTERM, then whatever is left (the test failed, or the AppHost did): killed, so no test leaves a process.</summary>
    public async ValueTask DisposeAsync()
    {
        var started = Orchestrated();
        if (!_process.HasExited)
        {
            Signal(15);
            try { await WaitForExitAsync(TimeSpan.FromSeconds(30)); }
            catch (TimeoutException) { _process.Kill(entireProcessTree: true); }
        }
        var survivors = await ProcessTree.WaitAllGoneAsync(started, TimeSpan.FromSeconds(15));
        foreach (var pid in survivors)
            try { using var p = Process.GetProcessById(pid); p.Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
