using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Yoi.Tests.Processes;

namespace Yoi.Tests.AppHost;

/// <summary>The real Yoi.AppHost binary, started as a child of the test with its output captured.</summary>
public sealed partial class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        if (environment is not null)
            foreach (var (k, v) in environment) info.Environment[k] = v;
        var host = new AppHostProcess(new Process { StartInfo = info, EnableRaisingEvents = true });
        host._process.OutputDataReceived += (_, e) => host.OnLine(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.OnLine(e.Data);
        host._process.Exited += (_, _) => host._ready.TrySetException(
            new InvalidOperationException($"AppHost exited before it was ready:\n{host.Output}"));
        host._process.Start();
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        return host;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        const string marker = "Backend ready: ";
        if (line.StartsWith(marker, StringComparison.Ordinal)) _ready.TrySetResult(line[marker.Length..].Trim());
    }

    /// <summary>The backend URL from the <c>Backend ready:</c> line.</summary>
    public async Task<string> WaitReadyAsync(TimeSpan timeout)
    {
        try
        {
            return await _ready.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"AppHost was not ready within {timeout}:\n{Output}");
        }
    }

    public void Signal(int signal) => _ = Kill(_process.Id, signal);

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            var descendants = ProcessTree.Descendants(_process.Id);
            Signal(15);
            try { await WaitForExitAsync(TimeSpan.FromSeconds(20)); }
            catch (TimeoutException) { _process.Kill(entireProcessTree: true); }
            foreach (var pid in descendants)
                if (ProcessTree.IsAlive(pid)) try { Process.GetProcessById(pid).Kill(true); } catch (ArgumentException) { }
        }
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
