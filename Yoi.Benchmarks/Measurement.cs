using Yoi.Protocol.Cursors;
using Yoi.Runtime.Streams;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Yoi.EventLog;

using Yoi.Protocol.Events;

namespace Yoi.Benchmarks;

/// <summary>A lock-free log-linear latency histogram in microseconds (exact below 2,048 µs, ~0.1% above).</summary>
internal sealed class LatencyHistogram
{
    private const int Linear = 2048;
    private const int SubBuckets = 1024;
    private readonly long[] _counts = new long[Linear + 40 * SubBuckets];
    private long _count;
    private long _max;

    public long Count => Interlocked.Read(ref _count);

    public void RecordTicks(long stopwatchTicks)
    {
        var us = Math.Max(0, stopwatchTicks * 1_000_000 / Stopwatch.Frequency);
        Interlocked.Increment(ref _counts[Index(us)]);
        Interlocked.Increment(ref _count);
        long max;
        while (us > (max = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, us, max) != max) { }
    }

    private static int Index(long us)
    {
        if (us < Linear) return (int)us;
        var shift = 64 - BitOperations.LeadingZeroCount((ulong)us) - 11;
        return Math.Min(Linear + (shift - 1) * SubBuckets + (int)((us >> shift) - SubBuckets), Linear + 40 * SubBuckets - 1);
    }

    private static long Value(int index)
    {
        if (index < Linear) return index;
        var shift = (index - Linear) / SubBuckets + 1;
        return ((long)((index - Linear) % SubBuckets + SubBuckets) << shift) + (1L << shift) / 2;
    }

    /// <summary>The value at quantile <paramref name="q"/>, in milliseconds.</summary>
    public double PercentileMs(double q)
    {
        var total = Count;
        if (total == 0) return double.NaN;
        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank) return Value(i) / 1000.0;
        }
        return Interlocked.Read(ref _max) / 1000.0;
    }

    public double MaxMs => Interlocked.Read(ref _max) / 1000.0;
}

/// <summary>
/// The producer side of the runtime: the runtime's own <see cref="OrderedEventAppender"/> (one ordered writer per
/// stream: events are handed to its queue, one loop appends what is queued as one pipelined batch). Each event is a
/// <c>text_delta</c> whose text is <c>#seq</c>; the hand-off time of every sequence is recorded in <see cref="SendTimes"/>.
/// </summary>
internal sealed class SequencedProducer : IAsyncDisposable
{
    private readonly OrderedEventAppender _appender;
    private long _stored;

    public SequencedProducer(IEventLog log, string stream, long[]? sendTimes)
    {
        StreamKey = stream;
        SendTimes = sendTimes;
        _appender = new OrderedEventAppender(log, stream, "benchmark", StreamRetention.Unbounded, TimeSpan.FromMinutes(1),
            NullLogger.Instance, onStored: OnStored,
            onOutageLimit: () => Failure ??= new InvalidOperationException("The event log did not take the events for a minute."));
    }

    public long[]? SendTimes { get; }
    public string StreamKey { get; }
    public long Stored => Interlocked.Read(ref _stored);
    /// <summary>Hand-off to XADD reply (the log part of the end-to-end latency); reset with <see cref="ResetStoredLatency"/>.</summary>
    public LatencyHistogram StoredLatency { get; private set; } = new();
    public void ResetStoredLatency() => StoredLatency = new LatencyHistogram();
    public Exception? Failure { get; private set; }

    public static byte[] Payload(long seq) => WorkerEventJson.SerializeToUtf8Bytes(Event(seq));

    private static TextDeltaEvent Event(long seq) =>
        new("#" + seq.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Hands sequence <paramref name="seq"/> to the log (stamps its send time first).</summary>
    public void Send(long seq)
    {
        var pending = Enqueue(seq);
        if (!pending.IsCompletedSuccessfully) pending.AsTask().GetAwaiter().GetResult();
    }

    public async Task SendAsync(long seq) => await Enqueue(seq);

    private ValueTask Enqueue(long seq)
    {
        if (SendTimes is { } times) Volatile.Write(ref times[seq], Stopwatch.GetTimestamp());
        var workerEvent = Event(seq);
        return _appender.EnqueueAsync(workerEvent, WorkerEventJson.SerializeToUtf8Bytes(workerEvent), default);
    }

    private void OnStored(StreamCursor cursor, WorkerEvent stored)
    {
        if (SendTimes is { } times && stored is TextDeltaEvent delta
            && long.TryParse(delta.Text.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture, out var seq))
            StoredLatency.RecordTicks(Stopwatch.GetTimestamp() - Volatile.Read(ref times[seq]));
        Interlocked.Increment(ref _stored);
    }

    /// <summary>Waits until everything handed over is stored (a stuck log is reported as <see cref="Failure"/>).</summary>
    public async Task CompleteAsync()
    {
        try
        {
            await _appender.FlushAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            Failure ??= new TimeoutException("The event log did not store the queued events within 2 minutes.");
        }
    }

    public async ValueTask DisposeAsync() => await _appender.DisposeAsync();
}

/// <summary>Sends at a fixed rate on a dedicated thread, each event at its intended time (late events are sent at once, never skipped).</summary>
internal static partial class Pacer
{
    [LibraryImport("libc", EntryPoint = "usleep")]
    private static partial int USleep(uint microseconds);

    /// <summary>Returns the hand-off lag behind the intended schedule.</summary>
    public static Task<LatencyHistogram> RunAsync(double ratePerSecond, long firstSeq, long count, Action<long> send)
    {
        var done = new TaskCompletionSource<LatencyHistogram>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                var lag = new LatencyHistogram();
                var start = Stopwatch.GetTimestamp();
                var ticksPer = Stopwatch.Frequency / ratePerSecond;
                for (long i = 0; i < count; i++)
                {
                    var due = start + (long)(i * ticksPer);
                    while (true)
                    {
                        var remaining = due - Stopwatch.GetTimestamp();
                        if (remaining <= 0) break;
                        var us = remaining * 1_000_000 / Stopwatch.Frequency;
                        if (us > 0) USleep((uint)Math.Min(us, 100_000));
                    }
                    lag.RecordTicks(Stopwatch.GetTimestamp() - due);
                    send(firstSeq + i);
                }
                done.SetResult(lag);
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }) { IsBackground = true, Name = "pacer", Priority = ThreadPriority.AboveNormal };
        thread.Start();
        return done.Task;
    }
}
