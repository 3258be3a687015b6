using System.Collections.Concurrent;
using System.Diagnostics;

namespace Yoi.Tests.Telemetry;

/// <summary>Listens to the activity sources a test names, samples everything, and keeps every span that ends.</summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ActivityListener _listener;

    public SpanRecorder(Func<ActivitySource, bool> listenTo)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = listenTo,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public SpanRecorder(params string[] sources) : this(source => sources.Contains(source.Name))
    {
    }

    /// <summary>The spans that ended, in the order they ended.</summary>
    public ConcurrentQueue<Activity> Stopped { get; } = new();

    public void Dispose() => _listener.Dispose();
}
