using Microsoft.AspNetCore.WebUtilities;
using Yoi.BackendService.Api;
using Yoi.BackendService.Projection;
using Yoi.BackendService.Registry;
using Yoi.EventLog;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.EventLog.Storage;

namespace Yoi.BackendService.Observation;

/// <summary>The two observation WebSocket routes (docs/protocol.md, "WebSocket routes") and the connection checks before a session starts.</summary>
public static partial class ObservationEndpoints
{
    public static IEndpointRouteBuilder MapObservationEndpoints(this IEndpointRouteBuilder app)
    {
        // Every service used here is a singleton, taken from the root provider: a connection that lives for hours
        // keeps no request scope (docs/benchmarks.md, "memory per idle connection").
        var services = app.ServiceProvider;
        app.Map("/api/runtimes/{rid}/workers/{wid}/events/ws", (HttpContext context, string rid, string wid) => HandleAsync(context, services, rid, wid))
            .WithName("ObserveWorker").WithSummary("Observe one worker (WebSocket, see docs/protocol.md).").ExcludeFromDescription();
        app.Map("/api/runtimes/{rid}/events/ws", (HttpContext context, string rid) => HandleAsync(context, services, rid, null))
            .WithName("ObserveRuntime").WithSummary("Observe a runtime's lifecycle stream (WebSocket).").ExcludeFromDescription();
        return app;
    }

    private static async Task HandleAsync(HttpContext context, IServiceProvider services, string rid, string? wid)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ApiProblems.Write(context, StatusCodes.Status400BadRequest, ApiErrorCodes.InvalidRequest, "Invalid request",
                "This route accepts WebSocket requests only.", null);
            return;
        }
        var options = services.GetRequiredService<BackendOptions>().Observation;
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = SecondsOrOff(options.KeepAliveSeconds),
            // A peer that stops answering pings (half-open TCP, frozen client) is aborted; the session then ends below.
            KeepAliveTimeout = SecondsOrOff(options.KeepAliveTimeoutSeconds),
        });
        BackendTelemetry.EndUpgradeSpan(context);
        BackendTelemetry.WebSocketConnections.Add(1);
        try
        {
            var session = new ObservationSession(socket, services.GetRequiredService<IEventLog>(),
                services.GetRequiredService<WorkerSnapshotReader>(), services.GetRequiredService<StreamTailReader>(),
                services.GetRequiredService<RuntimeMonitor>(), options, lifetime.ApplicationStopping, context.RequestAborted);
            ObservationTarget? target;
            Rejection? rejection;
            try
            {
                (target, rejection) = await ValidateAsync(context, services, rid, wid);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ObservationEndpoints)), ex);
                (target, rejection) = (null, new Rejection(DiagnosticCodes.Internal, "The backend could not check the request; retry.",
                    ObservationCloseCodes.InternalError));
            }
            if (rejection is { } r) await session.RejectAsync(r.Code, r.Message, r.CloseCode);
            else await session.RunAsync(target!);
            if (session.Failure is { } failure)
                LogFailed(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ObservationEndpoints)), failure);
        }
        finally
        {
            BackendTelemetry.WebSocketConnections.Add(-1);
        }
    }

    private static TimeSpan SecondsOrOff(double seconds) => seconds > 0 ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan;

    [LoggerMessage(Level = LogLevel.Error, Message = "An observation connection failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    private readonly record struct Rejection(string Code, string Message, int CloseCode);

    private static async Task<(ObservationTarget? Target, Rejection? Rejection)> ValidateAsync(HttpContext context, IServiceProvider services,
        string rid, string? wid)
    {
        if (!ResourceId.IsValid(rid) || (wid is not null && !ResourceId.IsValid(wid)))
            return (null, new Rejection(DiagnosticCodes.InvalidRequest, "Runtime and worker ids are 1-64 characters of [A-Za-z0-9_-].",
                ObservationCloseCodes.BadRequest));
        var identity = services.GetRequiredService<ApiKeyAuthenticator>().Authenticate(context);
        if (identity is null)
            return (null, new Rejection(DiagnosticCodes.Forbidden, "A valid API key is required.", ObservationCloseCodes.Forbidden));
        var registry = services.GetRequiredService<RuntimeRegistry>();
        if (!registry.TryGet(rid, out var runtime))
            return (null, new Rejection(DiagnosticCodes.RuntimeNotFound, $"No runtime '{rid}' is configured.", ObservationCloseCodes.NotFound));
        var policy = services.GetRequiredService<IProjectionPolicy>();
        if (!policy.CanObserve(identity, rid, wid))
            return (null, new Rejection(DiagnosticCodes.Forbidden, "This client may not observe this stream.", ObservationCloseCodes.Forbidden));
        if (wid is not null && !await registry.WorkerExistsAsync(runtime, wid, context.RequestAborted))
            return (null, new Rejection(DiagnosticCodes.WorkerNotFound, $"The runtime '{rid}' has no worker '{wid}'.", ObservationCloseCodes.NotFound));

        string? cursor = null;
        // Parsed here rather than through Request.Query, whose parsed copy would stay with the connection.
        if (QueryHelpers.ParseNullableQuery(context.Request.QueryString.Value) is { } query && query.TryGetValue("cursor", out var values))
        {
            cursor = values.Count == 1 ? values[0] : null;
            string? reason = "give it once";
            if (cursor is null || !StreamCursor.TryParse(cursor.AsSpan(), out _, out reason))
                return (null, new Rejection(DiagnosticCodes.CursorMalformed, $"The cursor is malformed: {reason}.",
                    ObservationCloseCodes.BadRequest));
        }
        return (new ObservationTarget(runtime, wid, policy.Project(identity), cursor), null);
    }
}
