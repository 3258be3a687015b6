using System.Collections.Concurrent;
using System.Diagnostics;

namespace Yoi.AppHost.Processes;

/// <summary>
/// Starts the AppHost's children so that they die with it, even when it is killed outright (SIGKILL, OOM killer):
/// on Linux each child runs under util-linux's <c>setpriv --pdeathsig KILL --</c>, which sets the kernel's
/// parent-death signal and then execs the program (same pid, so signals and waits are unchanged).
/// </summary>
/// <remarks>
/// The kernel sends the parent-death signal when the <em>thread</em> that forked the child exits, not the process,
/// and .NET forks on the thread that calls <see cref="Process.Start()"/>. A thread-pool thread retires after 20 s
/// without work (<c>DOTNET_ThreadPool_ThreadTimeoutMs</c>), which would kill its children long before the AppHost
/// stops. So every child is forked on one dedicated thread that never returns: it ends only with the process.
/// Without setpriv on the PATH (or off Linux) children are started directly, on the same thread, and outlive an
/// AppHost that is killed outright; a graceful stop (SIGINT/SIGTERM) stops them either way.
/// </remarks>
internal sealed class ProcessSpawner
{
    public static ProcessSpawner Shared { get; } = new(OperatingSystem.IsLinux() ? ExecutableSearch.OnPath("setpriv") : null);

    private readonly BlockingCollection<Action> _requests = new();
    private readonly Thread _thread;

    /// <summary>The setpriv that arms the parent-death signal, or null when children are started directly.</summary>
    public string? SetPriv { get; }

    private ProcessSpawner(string? setPriv)
    {
        SetPriv = setPriv;
        _thread = new Thread(Run) { IsBackground = true, Name = "AppHost spawner" };
        _thread.Start();
    }

    /// <summary>Serves start requests for the life of the process: <see cref="_requests"/> is never completed.</summary>
    private void Run()
    {
        foreach (var request in _requests.GetConsumingEnumerable()) request();
    }

    /// <summary>
    /// Starts <paramref name="process"/> (program and <see cref="ProcessStartInfo.ArgumentList"/> in its start info)
    /// on the spawner thread, wrapped in setpriv when there is one, and returns once it has started.
    /// </summary>
    public bool Start(Process process)
    {
        var info = process.StartInfo;
        if (!string.IsNullOrEmpty(info.Arguments))
            throw new ArgumentException("Give the arguments in ArgumentList.", nameof(process));
        if (SetPriv is not null)
        {
            // An AppHost killed between the fork and setpriv's prctl (the few milliseconds setpriv takes to start) is not noticed.
            string[] prefix = ["--pdeathsig", "KILL", "--", info.FileName];
            for (var i = 0; i < prefix.Length; i++) info.ArgumentList.Insert(i, prefix[i]);
            info.FileName = SetPriv;
        }

        if (Thread.CurrentThread == _thread) return process.Start();
        var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add(() =>
        {
            try { started.SetResult(process.Start()); }
            catch (Exception e) { started.SetException(e); }
        });
        return started.Task.GetAwaiter().GetResult();
    }
}
