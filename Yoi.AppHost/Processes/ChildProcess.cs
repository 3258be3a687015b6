using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Yoi.AppHost.Processes;

/// <summary>
/// One process the AppHost started: its output is streamed with a name prefix, and it is stopped with
/// SIGTERM first (graceful shutdown), then killed with its whole tree if it does not exit in time. It is started
/// through <see cref="ProcessSpawner"/>, so it also dies when the AppHost is killed outright.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TextWriter _output;

    public string Name { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    private ChildProcess(string name, Process process, TextWriter output)
    {
        Name = name;
        _process = process;
        _output = output;
    }

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment, TextWriter output)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment) info.Environment[key] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, output);
        process.OutputDataReceived += (_, e) => child.WriteLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.WriteLine(e.Data);
        if (!ProcessSpawner.Shared.Start(process)) throw new InvalidOperationException($"{name} did not start.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void WriteLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.WriteLine($"[{Name}] {line}");
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>SIGTERM, wait up to <paramref name="grace"/>, then SIGKILL the whole tree.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        if (OperatingSystem.IsWindows()) _process.Kill(entireProcessTree: true);
        else _ = SendSignal(_process.Id, SigTerm);

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            WriteLine($"did not stop within {grace.TotalSeconds:0}s; killing it");
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
