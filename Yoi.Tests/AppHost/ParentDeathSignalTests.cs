using System.Diagnostics;

namespace Yoi.Tests.AppHost;

/// <summary>
/// The kernel behaviour the AppHost's process spawner is built around: the parent-death signal that
/// <c>setpriv --pdeathsig</c> arms fires when the <em>thread</em> that forked the child exits, not the process.
/// (.NET forks on the thread that calls Process.Start, so the AppHost forks on one thread that never exits.)
/// </summary>
public sealed class ParentDeathSignalTests
{
    [Fact]
    public async Task A_child_dies_with_the_thread_that_forked_it_and_lives_while_that_thread_lives()
    {
        using var release = new ManualResetEventSlim();
        using var onShortLivedThread = StartSleeper();
        var shortLived = new Thread(() => { onShortLivedThread.Start(); WaitArmed(onShortLivedThread); });
        shortLived.Start();
        shortLived.Join();

        using var onLongLivedThread = StartSleeper();
        using var started = new ManualResetEventSlim();
        var longLived = new Thread(() => { onLongLivedThread.Start(); WaitArmed(onLongLivedThread); started.Set(); release.Wait(); }) { IsBackground = true };
        longLived.Start();
        started.Wait(TestContext.Current.CancellationToken);
        try
        {
            // Same process, only the forking thread ended.
            await onShortLivedThread.WaitForExitAsync(TestContext.Current.CancellationToken)
                .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            Assert.False(onLongLivedThread.HasExited, "the child of the living thread died too");
        }
        finally
        {
            foreach (var child in new[] { onShortLivedThread, onLongLivedThread })
                if (!child.HasExited) child.Kill();
            release.Set();
        }
    }

    /// <summary>
    /// Until setpriv has set the signal and exec'd sleep: a thread that exits earlier hands the child to another thread
    /// of the process before the signal is armed.
    /// </summary>
    private static void WaitArmed(Process child)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Processes.ProcessTree.CommandName(child.Id) != "sleep" && DateTime.UtcNow < deadline) Thread.Sleep(10);
    }

    private static Process StartSleeper()
    {
        var info = new ProcessStartInfo("setpriv") { UseShellExecute = false };
        foreach (var argument in new[] { "--pdeathsig", "KILL", "--", "sleep", "300" }) info.ArgumentList.Add(argument);
        return new Process { StartInfo = info };
    }
}
