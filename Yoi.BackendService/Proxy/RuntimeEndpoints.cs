using System.Buffers;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Yoi.BackendService.Api;
using Yoi.BackendService.Projection;
using Yoi.BackendService.Registry;
using Yoi.EventLog;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Transcripts;
using Yoi.Protocol.Plugins;
using Yoi.ServiceDefaults;

namespace Yoi.BackendService.Proxy;

/// <summary>
/// The client REST API (docs/protocol.md): commands proxied to the runtime's source, events served from the log. Handlers
/// bind typed parameters and return typed results; every failure is a problem (<see cref="ApiProblems"/>).
/// </summary>
public static class RuntimeEndpoints
{
    public const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapRuntimeEndpoints(this IEndpointRouteBuilder app)
    {
        // Bodies are bound by the framework ([FromBody], strict JSON of ApiJsonContext) and held to 64 KiB (413 beyond).
        var api = app.MapGroup("/api/runtimes").RequireAuthorization(ClientRoles.Viewer).WithTags("runtimes")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        api.MapGet("/", ListRuntimes).WithName("ListRuntimes").WithSummary("Configured runtimes with availability.")
            .Produces<RuntimeList>();
        api.MapGet("/{rid}", GetRuntime).WithName("GetRuntime").Produces<RuntimeInfo>();
        api.MapGet("/{rid}/workers", ListWorkers).WithName("ListWorkers")
            .WithSummary("A page of workers, oldest first: ?limit= (1-1000, default 100) and ?after= (the page's next_cursor).").Produces<WorkerList>();
        api.MapDelete("/{rid}/workers/{wid}", DeleteWorker).WithName("DeleteWorker").RequireAuthorization(ClientRoles.Operator)
            .WithSummary("Deletes a stopped worker with its streams and state (204); its id is never reused.").Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{rid}/workers", CreateWorker).WithName("CreateWorker").RequireAuthorization(ClientRoles.Operator)
            .Produces<WorkerInfo>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        api.MapGet("/{rid}/workers/{wid}", GetWorker).WithName("GetWorker").Produces<WorkerInfo>();
        api.MapPost("/{rid}/workers/{wid}/input", SendInput).WithName("SendInput").RequireAuthorization(ClientRoles.Operator)
            .Produces<CommandAccepted>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        api.MapPost("/{rid}/workers/{wid}/cancel", Cancel).WithName("CancelRun").RequireAuthorization(ClientRoles.Operator)
            .Produces<CommandAccepted>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{rid}/workers/{wid}/stop", Stop).WithName("StopWorker").RequireAuthorization(ClientRoles.Operator)
            .Produces<CommandAccepted>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/{rid}/workers/{wid}/transcript", GetTranscript).WithName("GetTranscript").Produces<WorkerTranscript>();
        api.MapGet("/{rid}/workers/{wid}/events", GetEvents).WithName("GetEvents")
            .WithSummary("A page of event frames after a cursor: {events:[...], next_cursor}.").Produces<EventPage>()
            .ProducesProblem(StatusCodes.Status410Gone).WithEventPageQueryProblems();
        api.MapGet("/{rid}/plugins", ListPlugins).WithName("ListPlugins").Produces<PluginList>()
            .ProducesProblem(StatusCodes.Status501NotImplemented);
        api.MapGet("/{rid}/plugins/{pid}", GetPlugin).WithName("GetPlugin").Produces<PluginStatus>()
            .ProducesProblem(StatusCodes.Status501NotImplemented);
        return app;
    }

    private static async Task<JsonHttpResult<RuntimeList>> ListRuntimes(HttpContext context, RuntimeRegistry registry, IProjectionPolicy policy)
    {
        var client = ClientAccess.Identity(context);
        var visible = registry.Runtimes.Where(r => policy.CanObserve(client, r.Id, null)).ToList();
        var infos = await Task.WhenAll(visible.Select(r => registry.DescribeAsync(r, context.RequestAborted)));
        return Json(new RuntimeList(infos), ApiJsonContext.Default.RuntimeList);
    }

    private static Task<Results<JsonHttpResult<RuntimeInfo>, ProblemHttpResult>> GetRuntime(HttpContext context, string rid, RuntimeRegistry registry) =>
        Handle(context, rid, null, null, async (r, ct) => Json(await registry.DescribeAsync(r, ct), ApiJsonContext.Default.RuntimeInfo));

    private static async Task<Results<JsonHttpResult<WorkerList>, ProblemHttpResult>> ListWorkers(HttpContext context, string rid,
        [FromQuery] int? limit, [FromQuery] WorkerListCursor? after)
    {
        var size = limit ?? WorkerListCursor.DefaultLimit;
        if (size is < 1 or > WorkerListCursor.MaxLimit)
            return ApiProblems.InvalidRequest($"The 'limit' must be an integer from 1 to {WorkerListCursor.MaxLimit}.", ResourceId.IsValid(rid) ? rid : null);
        return await Handle(context, rid, null, null, async (r, ct) =>
            Json(await r.Source.ListWorkersAsync(size, after, ct), ApiJsonContext.Default.WorkerList));
    }

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteWorker(HttpContext context, string rid, string wid) =>
        Handle(context, rid, wid, RuntimeCommands.Delete, async (r, ct) =>
        {
            await r.Source.DeleteWorkerAsync(wid, ct);
            return TypedResults.NoContent();
        });

    private static Task<Results<JsonHttpResult<WorkerInfo>, ProblemHttpResult>> CreateWorker(HttpContext context, string rid,
        [FromBody] CreateWorkerRequest? request) =>
        Handle(context, rid, null, RuntimeCommands.CreateWorker, async (r, ct) =>
        {
            var worker = await r.Source.CreateWorkerAsync(request ?? new CreateWorkerRequest(), ct);
            context.Response.Headers.Location = $"/api/runtimes/{rid}/workers/{worker.WorkerId}";
            return Json(worker, ApiJsonContext.Default.WorkerInfo, StatusCodes.Status201Created);
        });

    private static Task<Results<JsonHttpResult<WorkerInfo>, ProblemHttpResult>> GetWorker(HttpContext context, string rid, string wid) =>
        Handle(context, rid, wid, null, async (r, ct) => Json(await r.Source.GetWorkerAsync(wid, ct), ApiJsonContext.Default.WorkerInfo));

    private static Task<Results<JsonHttpResult<CommandAccepted>, ProblemHttpResult>> SendInput(HttpContext context, string rid, string wid,
        [FromBody] InputRequest request) =>
        Handle(context, rid, wid, RuntimeCommands.Input, async (r, ct) =>
        {
            if (string.IsNullOrWhiteSpace(request.Text)) throw RuntimeSourceException.InvalidRequest("The 'text' property is required.");
            return Accepted(await r.Source.SendInputAsync(wid, request.Text, ct));
        });

    private static Task<Results<JsonHttpResult<CommandAccepted>, ProblemHttpResult>> Cancel(HttpContext context, string rid, string wid) =>
        Handle(context, rid, wid, RuntimeCommands.Cancel, async (r, ct) => Accepted(await r.Source.CancelAsync(wid, ct)));

    private static Task<Results<JsonHttpResult<CommandAccepted>, ProblemHttpResult>> Stop(HttpContext context, string rid, string wid) =>
        Handle(context, rid, wid, RuntimeCommands.Stop, async (r, ct) => Accepted(await r.Source.StopAsync(wid, ct)));

    private static Task<Results<JsonHttpResult<WorkerTranscript>, ProblemHttpResult>> GetTranscript(HttpContext context, string rid, string wid,
        IProjectionPolicy policy) =>
        Handle(context, rid, wid, null, async (r, ct) =>
        {
            var transcript = await r.Source.GetTranscriptAsync(wid, ct);
            transcript = transcript.WithSnapshot(policy.Project(ClientAccess.Identity(context)).ProjectSnapshot(transcript.Snapshot));
            // The runtime's answer names its own id; the client asked by the registry id.
            return Json(transcript with { RuntimeId = rid, WorkerId = wid }, ProtocolJsonContext.Default.WorkerTranscript);
        });

    /// <summary>
    /// A page of the worker's stream as the WebSocket frames it (<see cref="EventPage"/>), written straight from the
    /// stored bytes. <c>after</c> and <c>limit</c> are bound from the query; a malformed cursor is answered by the
    /// endpoint's filter (<see cref="EventPageQuery"/>) before this runs.
    /// </summary>
    private static Task<Results<FileContentHttpResult, ProblemHttpResult>> GetEvents(HttpContext context, string rid, string wid,
        [FromQuery] StreamCursor? after, [FromQuery] int? limit, RuntimeRegistry registry, IEventLog log, IProjectionPolicy policy) =>
        Handle(context, rid, wid, null, async (r, ct) =>
        {
            if (EventPageQuery.PageSize(limit) is not { } size)
                throw RuntimeSourceException.InvalidRequest(EventPageQuery.LimitDetail);
            if (!await registry.WorkerExistsAsync(r, wid, ct)) throw RuntimeSourceException.WorkerNotFound(rid, wid);

            var stream = r.Keys.WorkerEvents(wid);
            IReadOnlyList<LogEntry> entries;
            if (after is { } cursor)
            {
                var page = await log.ReadAfterClientCursorAsync(stream, cursor, size, ct);
                if (page.Status != CursorStatus.Retained) throw CursorNotRetained(page.Status);
                entries = page.Entries;
            }
            else
            {
                entries = await log.ReadAfterAsync(stream, StreamCursor.Zero, size, ct); // from the first retained event
            }
            var projection = policy.Project(ClientAccess.Identity(context));
            var events = new List<StoredEvent>(entries.Count);
            foreach (var entry in entries)
            {
                var payload = StoredPayload.OrMalformed(entry.Payload); // a bad entry is paged as malformed_event, never a 500
                var projected = projection.ProjectEvent(payload.Span);
                if (!projected.IsDropped) events.Add(new StoredEvent(entry.Cursor, wid, projected.Replacement ?? payload));
            }
            var buffer = new ArrayBufferWriter<byte>();
            // The last cursor read, not sent: paging moves on past events the projection dropped.
            EnvelopeWriter.WriteEventPage(buffer, rid, events, entries.Count > 0 ? entries[^1].Cursor : null);
            return TypedResults.Bytes(buffer.WrittenMemory.ToArray(), "application/json");
        });

    /// <summary>Paging never jumps over a gap silently: an expired or foreign cursor is an error naming what to do.</summary>
    private static RuntimeSourceException CursorNotRetained(CursorStatus status) => status == CursorStatus.Expired
        ? new(StatusCodes.Status410Gone, ApiErrorCodes.CursorExpired, "Cursor expired",
            "Events after the cursor were trimmed by retention; read the transcript and page on from its cursor.")
        : new(StatusCodes.Status404NotFound, ApiErrorCodes.CursorUnknown, "Unknown cursor",
            "The cursor is not a position of this worker's stream; read the transcript and page on from its cursor.");

    private static Task<Results<JsonHttpResult<PluginList>, ProblemHttpResult>> ListPlugins(HttpContext context, string rid, RuntimeRegistry registry) =>
        Handle(context, rid, null, null, async (r, ct) =>
        {
            await RequireCapabilityAsync(registry, r, RuntimeCapabilities.Plugins, ct);
            return Json(await r.Source.ListPluginsAsync(ct), PluginJsonContext.Default.PluginList);
        });

    private static async Task<Results<JsonHttpResult<PluginStatus>, ProblemHttpResult>> GetPlugin(HttpContext context, string rid, string pid,
        RuntimeRegistry registry)
    {
        if (!ResourceId.IsValid(pid))
            return ApiProblems.InvalidRequest("Plugin ids are 1-64 characters of [A-Za-z0-9_-].", ResourceId.IsValid(rid) ? rid : null);
        return await Handle(context, rid, null, null, async (r, ct) =>
        {
            await RequireCapabilityAsync(registry, r, RuntimeCapabilities.Plugins, ct);
            return Json(await r.Source.GetPluginAsync(pid, ct), PluginJsonContext.Default.PluginStatus);
        });
    }

    /// <summary>
    /// A runtime that answers but does not report the capability gets 501 without a call (docs/protocol.md, "REST
    /// API"), so a runtime without plugins never turns into a plugin 404. An unavailable runtime is left to the call.
    /// </summary>
    private static async Task RequireCapabilityAsync(RuntimeRegistry registry, RuntimeEntry runtime, string capability, CancellationToken ct)
    {
        var info = await registry.DescribeAsync(runtime, ct);
        if (info.Available == true && !info.Capabilities.Contains(capability, StringComparer.Ordinal))
            throw RuntimeSourceException.Unsupported(runtime.Id, capability);
    }

    /// <summary>
    /// The common checks, in order: ids well formed (400), runtime configured (404), projection seam (403), then the
    /// call; a <see cref="RuntimeSourceException"/> becomes its problem (docs/protocol.md, "REST API").
    /// </summary>
    private static async Task<Results<T, ProblemHttpResult>> Handle<T>(HttpContext context, string rid, string? wid, string? command,
        Func<RuntimeEntry, CancellationToken, Task<T>> call) where T : IResult
    {
        if (!ResourceId.IsValid(rid)) return ApiProblems.InvalidRequest("Runtime ids are 1-64 characters of [A-Za-z0-9_-].");
        if (wid is not null && !ResourceId.IsValid(wid)) return ApiProblems.InvalidRequest("Worker ids are 1-64 characters of [A-Za-z0-9_-].", rid);
        var services = context.RequestServices;
        if (!services.GetRequiredService<RuntimeRegistry>().TryGet(rid, out var runtime)) return ApiProblems.RuntimeNotFound(rid);
        var policy = services.GetRequiredService<IProjectionPolicy>();
        var client = ClientAccess.Identity(context);
        var allowed = command is null ? policy.CanObserve(client, rid, wid) : policy.CanCommand(client, rid, command);
        if (!allowed) return ApiProblems.Forbidden(rid);
        try
        {
            return await call(runtime, context.RequestAborted);
        }
        catch (RuntimeSourceException ex)
        {
            return ApiProblems.From(ex, rid);
        }
    }

    /// <summary>The value through its source-generated contract (exact snake_case, nulls left out).</summary>
    private static JsonHttpResult<T> Json<T>(T value, JsonTypeInfo<T> typeInfo, int status = StatusCodes.Status200OK) =>
        TypedResults.Json(value, typeInfo, statusCode: status);

    private static JsonHttpResult<CommandAccepted> Accepted(CommandAccepted accepted) =>
        Json(accepted, ApiJsonContext.Default.CommandAccepted, StatusCodes.Status202Accepted);
}
