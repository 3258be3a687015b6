using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Yoi.EventLog;

/// <summary>
/// Spans and metrics of the event log, following the OpenTelemetry messaging conventions:
/// an append is a producer span whose context is stored in the entry (<c>traceparent</c>, <c>tracestate</c>).
/// </summary>
public static class EventLogTelemetry
{
    public const string SourceName = "Yoi.EventLog";

    public static readonly ActivitySource Source = new(SourceName, "1.0.0");
    public static readonly Meter Meter = new(SourceName, "1.0.0");

    public static readonly Counter<long> EventsAppended =
        Meter.CreateCounter<long>("yoi.events.appended", "{event}", "Events appended to the event log.");

    public static readonly Histogram<double> RedisLatency =
        Meter.CreateHistogram<double>("yoi.redis.latency", "s", "Round-trip time of Redis commands issued by the event log.");

    /// <summary>
    /// Starts the producer span of an append (<c>send {stream}</c>) as a child of the current activity.
    /// <paramref name="system"/> is <c>redis</c> or <c>memory</c>.
    /// </summary>
    public static Activity? StartAppend(string system, string stream, int count)
    {
        var activity = Source.StartActivity($"send {stream}", ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", system);
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.operation.name", "send");
            activity.SetTag("messaging.destination.name", stream);
            if (count != 1) activity.SetTag("messaging.batch.message_count", count);
        }
        return activity;
    }

    /// <summary>The W3C trace context to store with an entry: the producer span's, else the current activity's.</summary>
    public static (string? TraceParent, string? TraceState) CaptureTraceContext(Activity? producer)
    {
        var activity = producer ?? Activity.Current;
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C) return (null, null);
        return (activity.Id, activity.TraceStateString);
    }
}
