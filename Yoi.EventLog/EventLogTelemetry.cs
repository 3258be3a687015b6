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

    /// <summary>The destination template of a worker's stream: span names carry it, never the concrete key.</summary>
    public const string WorkerStreamTemplate = "{prefix}{runtime_id}:w:{worker_id}:events";
    /// <summary>The destination template of a runtime's lifecycle stream.</summary>
    public const string RuntimeStreamTemplate = "{prefix}{runtime_id}:events";

    /// <summary>
    /// Starts the producer span of an append as a child of the current activity. Its name is low-cardinality,
    /// <c>send {destination template}</c>; the concrete stream, runtime and worker are attributes.
    /// <paramref name="system"/> is <c>redis</c> or <c>memory</c>.
    /// </summary>
    public static Activity? StartAppend(string system, string stream, int count)
    {
        var destination = Destination.Of(stream);
        var activity = Source.StartActivity("send " + destination.Template, ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", system);
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.operation.name", "send");
            activity.SetTag("messaging.destination.name", stream);
            activity.SetTag("messaging.destination.template", destination.Template);
            if (destination.RuntimeId is not null) activity.SetTag("yoi.runtime_id", destination.RuntimeId);
            if (destination.WorkerId is not null) activity.SetTag("yoi.worker_id", destination.WorkerId);
            if (count != 1) activity.SetTag("messaging.batch.message_count", count);
        }
        return activity;
    }

    /// <summary>
    /// A stream key read back into its template and ids: <c>{prefix}{rt}:w:{worker}:events</c> or
    /// <c>{prefix}{rt}:events</c>, the runtime id in hash-tag braces (<c>yoi:{rt-1}:events</c>; ids never contain ':');
    /// any other key is its own template.
    /// </summary>
    public readonly record struct Destination(string Template, string? RuntimeId, string? WorkerId)
    {
        public static Destination Of(string stream)
        {
            var parts = stream.Split(':');
            if (parts.Length >= 5 && parts[^1] == "events" && parts[^3] == "w" && parts[^2].Length > 0 && parts[^4].Length > 0)
                return new Destination(WorkerStreamTemplate, Untagged(parts[^4]), parts[^2]);
            if (parts.Length >= 2 && parts[^1] == "events" && parts[^2].Length > 0)
                return new Destination(RuntimeStreamTemplate, Untagged(parts[^2]), null);
            return new Destination(stream, null, null);
        }

        /// <summary>The runtime id of its key part, which carries it as a cluster hash tag (<c>{rt-1}</c>).</summary>
        private static string Untagged(string part) =>
            part.Length > 2 && part[0] == '{' && part[^1] == '}' ? part[1..^1] : part;
    }

    /// <summary>The W3C trace context to store with an entry: the producer span's, else the current activity's.</summary>
    public static (string? TraceParent, string? TraceState) CaptureTraceContext(Activity? producer)
    {
        var activity = producer ?? Activity.Current;
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C) return (null, null);
        return (activity.Id, activity.TraceStateString);
    }
}
