using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Yoi.Benchmarks;

/// <summary>
/// Induces a full blocking GC in another .NET process over its diagnostics port (an EventPipe session with the
/// GCHeapCollect keyword, as dotnet-gcdump does) and returns the managed heap size the GC reports afterwards.
/// </summary>
internal static class GcProbe
{
    public sealed record HeapStats(long TotalHeapBytes, long Gen0, long Gen1, long Gen2, long Loh, long Poh, long PinnedObjects);

    /// <summary>Null when the process's diagnostics port is not available (the caller reports it, never fails on it).</summary>
    public static async Task<HeapStats?> InduceAsync(int pid, TimeSpan timeout)
    {
        try
        {
            return await InduceCoreAsync(pid, timeout);
        }
        catch (Exception ex)
        {
            Console.WriteLine($"  (no induced GC: {ex.GetType().Name}: {ex.Message})");
            return null;
        }
    }

    private static async Task<HeapStats?> InduceCoreAsync(int pid, TimeSpan timeout)
    {
        var client = new DiagnosticsClient(pid);
        var providers = new[]
        {
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational,
                (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect)),
        };
        using var session = client.StartEventPipeSession(providers, requestRundown: false, circularBufferMB: 64);
        var stats = new TaskCompletionSource<HeapStats?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(() =>
        {
            using var source = new EventPipeEventSource(session.EventStream);
            var induced = false;
            source.Clr.GCStart += e => { if (e.Reason == GCReason.Induced) induced = true; };
            source.Clr.GCHeapStats += e =>
            {
                if (!induced) return;
                stats.TrySetResult(new HeapStats(e.TotalHeapSize, e.GenerationSize0, e.GenerationSize1, e.GenerationSize2, e.GenerationSize3,
                    e.GenerationSize4, e.PinnedObjectCount));
            };
            try { source.Process(); }
            catch (Exception) { /* the session stopped */ }
        });
        HeapStats? result = null;
        try
        {
            result = await stats.Task.WaitAsync(timeout);
        }
        catch (TimeoutException) { }
        try { session.Stop(); } catch (Exception) { }
        await reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return result;
    }
}
