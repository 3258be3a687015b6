using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http.Features;
using Yoi.EventLog;

namespace Yoi.BackendService.Observation;

/// <summary>The Backend's traces and metrics: ActivitySource and Meter <c>Yoi.Backend</c>.</summary>
public static class BackendTelemetry
{
    public const string Name = "Yoi.Backend";

    public static readonly ActivitySource Source = new(Name, "1.0.0");
    public static readonly Meter Meter = new(Name, "1.0.0");

    public static readonly Counter<long> EventsDelivered =
        Meter.CreateCounter<long>("yoi.backend.events.delivered", "{event}", "Event frames handed to WebSocket clients.");
    public static readonly Histogram<long> BacklogReplaySize =
        Meter.CreateHistogram<long>("yoi.backend.backlog.replay.size", "{event}", "Events replayed from the log when a client connects.");
    public static readonly UpDownCounter<long> WebSocketConnections =
        Meter.CreateUpDownCounter<long>("yoi.backend.websocket.connections", "{connection}", "Open observation WebSockets.");
    public static readonly Counter<long> SlowConsumerDisconnects =
        Meter.CreateCounter<long>("yoi.backend.slow_consumer.disconnects", "{connection}", "Clients closed with 4408.");
    public static readonly Counter<long> LiveGaps =
        Meter.CreateCounter<long>("yoi.backend.live.gaps", "{gap}",
            "Times the shared read of a stream found entries trimmed before it read them (its clients restart from a snapshot).");

    /// <summary>
    /// The consumer span of one entry read from the log, parented to the producer's stored <c>traceparent</c>: named
    /// <c>receive {destination template}</c> (low-cardinality), the runtime and worker as attributes.
    /// <paramref name="workerId"/> is null for a runtime's lifecycle stream.
    /// </summary>
    public static Activity? StartReceive(string runtimeId, string? workerId, LogEntry entry)
    {
        if (!Source.HasListeners()) return null;
        ActivityContext.TryParse(entry.TraceParent, entry.TraceState, isRemote: true, out var parent);
        var template = workerId is null ? EventLogTelemetry.RuntimeStreamTemplate : EventLogTelemetry.WorkerStreamTemplate;
        var activity = Source.StartActivity(ActivityKind.Consumer, parent, name: "receive " + template);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "redis");
            activity.SetTag("messaging.operation.type", "receive");
            activity.SetTag("messaging.operation.name", "receive");
            activity.SetTag("messaging.destination.template", template);
            activity.SetTag("messaging.message.id", entry.Cursor.ToString());
            activity.SetTag("yoi.runtime_id", runtimeId);
            if (workerId is not null) activity.SetTag("yoi.worker_id", workerId);
        }
        return activity;
    }

    /// <summary>
    /// Ends the HTTP server span of a WebSocket request once the upgrade is answered (101), named <c>GET {route}</c>
    /// as a finished request would be: the connection can live for hours, and a span that lasts as long would hold its
    /// trace open and hide every other request's duration in the trace list. The session that follows runs outside
    /// it; its deliveries belong to the traces of the events delivered.
    /// </summary>
    public static void EndUpgradeSpan(HttpContext context)
    {
        var activity = context.Features.Get<IHttpActivityFeature>()?.Activity;
        if (activity is null || activity.IsStopped) return;
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        if (route is not null)
        {
            activity.DisplayName = $"{context.Request.Method} {route}";
            activity.SetTag("http.route", route);
        }
        activity.SetTag("http.response.status_code", StatusCodes.Status101SwitchingProtocols);
        activity.SetTag("yoi.websocket.upgraded", true);
        activity.Stop();
    }

    /// <summary>The span of handing one frame to the clients of one projection, child of the receive span.</summary>
    public static Activity? StartDeliver(ActivityContext receive, int clients)
    {
        if (receive == default || !Source.HasListeners()) return null;
        var activity = Source.StartActivity("deliver", ActivityKind.Producer, receive);
        activity?.SetTag("yoi.clients", clients);
        return activity;
    }
}
