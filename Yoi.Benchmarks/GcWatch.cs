using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace Yoi.Benchmarks;

/// <summary>
/// The GCs of another .NET process over a window (an EventPipe session with the GC keyword on its diagnostics port):
/// count by generation, and the pauses (suspend start -> restart end) by the generation of the GC inside them, so
/// the single-stream latency tail can be set against them (docs/benchmarks.md).
/// </summary>
internal sealed class GcWatch : IAsyncDisposable
{
    public sealed record Generation(int Count, double TotalPauseMs, double MaxPauseMs);

    private readonly EventPipeSession _session;
    private readonly Task _reader;
    private readonly List<(DateTime At, int Generation, double PauseMs)> _pauses = [];
    private readonly List<(DateTime At, int Generation)> _starts = [];

    private GcWatch(EventPipeSession session)
    {
        _session = session;
        _reader = Task.Run(() =>
        {
            using var source = new EventPipeEventSource(session.EventStream);
            double suspendedAt = -1;
            var generation = 0;
            source.Clr.GCSuspendEEStart += e => suspendedAt = e.TimeStampRelativeMSec;
            source.Clr.GCStart += e =>
            {
                generation = Math.Clamp(e.Depth, 0, 2);
                lock (_starts) _starts.Add((e.TimeStamp, generation));
            };
            source.Clr.GCRestartEEStop += e =>
            {
                if (suspendedAt < 0) return;
                var pause = e.TimeStampRelativeMSec - suspendedAt;
                suspendedAt = -1;
                lock (_starts) _pauses.Add((e.TimeStamp, generation, pause));
            };
            try { source.Process(); }
            catch (Exception) { /* the session stopped */ }
        });
    }

    /// <summary>Null when the diagnostics port is not available (the caller notes it).</summary>
    public static GcWatch? TryStart(int pid)
    {
        try
        {
            var providers = new[]
            {
                new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, (long)ClrTraceEventParser.Keywords.GC),
            };
            return new GcWatch(new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: false, circularBufferMB: 16));
        }
        catch (Exception ex)
        {
            Console.WriteLine($"  (no GC watch: {ex.GetType().Name}: {ex.Message})");
            return null;
        }
    }

    /// <summary>Ends the window now, stops the session (what is buffered is still read) and returns gen0, gen1, gen2 of the window.</summary>
    public async Task<Generation[]> StopAsync()
    {
        var end = DateTime.Now; // TraceEvent's TimeStamp is local time
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        try { _session.Stop(); } catch (Exception) { }
        await _reader.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_starts)
            return Enumerable.Range(0, 3).Select(g =>
            {
                var pauses = _pauses.Where(p => p.Generation == g && p.At <= end).Select(p => p.PauseMs).ToList();
                return new Generation(_starts.Count(s => s.Generation == g && s.At <= end), pauses.Sum(), pauses.Count == 0 ? 0 : pauses.Max());
            }).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        try { _session.Stop(); } catch (Exception) { }
        await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _session.Dispose();
    }
}
