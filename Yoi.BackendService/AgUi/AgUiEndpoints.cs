using System.Text.Json;
using Yoi.BackendService.Api;
using Yoi.BackendService.Projection;
using Yoi.BackendService.Registry;
using Yoi.Protocol.Api;

namespace Yoi.BackendService.AgUi;

/// <summary>
/// The AG-UI face of the worker streams (docs/agui.md): run a worker with a <c>RunAgentInput</c> and read the run as
/// AG-UI events over SSE, or watch a worker and resume with <c>Last-Event-ID</c>. The same checks, commands and
/// projection seam as the REST API and the WebSocket; every error before the stream starts is a problem response.
/// </summary>
public static class AgUiEndpoints
{
    private const int MaxBodyBytes = 1024 * 1024;
    private const string EventStream = "text/event-stream";

    public static IEndpointRouteBuilder MapAgUiEndpoints(this IEndpointRouteBuilder app)
    {
        var agui = app.MapGroup("/api/runtimes").RequireAuthorization(Registry.ClientRoles.Viewer).WithTags("agui");

        agui.MapPost("/{rid}/workers/{wid}/agui", RunWorker).WithName("AgUiRunWorker")
            .WithSummary("Run a worker with an AG-UI RunAgentInput (threadId = the worker id); the run's AG-UI events as SSE.")
            .WithDescription("The newest user message becomes the worker's input. The stream opens with RUN_STARTED and a " +
                "MESSAGES_SNAPSHOT of the transcript and ends with the run's RUN_FINISHED or RUN_ERROR. Every event's SSE id " +
                "is a cursor for GET .../agui/events. See docs/agui.md.")
            .Accepts<RunAgentInput>("application/json")
            .Produces<string>(StatusCodes.Status200OK, EventStream)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        agui.MapPost("/{rid}/agui", CreateAndRun).WithName("AgUiCreateAndRun")
            .WithSummary("Run the worker the threadId names, or a new worker, with an AG-UI RunAgentInput; the run's AG-UI events as SSE.")
            .WithDescription("When threadId is not a worker of the runtime a worker is created; the events' threadId is its id " +
                "from then on. Otherwise as POST .../workers/{wid}/agui.")
            .Accepts<RunAgentInput>("application/json")
            .Produces<string>(StatusCodes.Status200OK, EventStream)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        agui.MapGet("/{rid}/workers/{wid}/agui/events", Observe).WithName("AgUiWorkerEvents")
            .WithSummary("A worker's events as AG-UI over SSE, resumable with Last-Event-ID or ?cursor=.")
            .WithDescription("Without a cursor: MESSAGES_SNAPSHOT (and the run in flight), then live. With one: exactly the " +
                "events after it, or CUSTOM cursor_expired / cursor_unknown and a snapshot. See docs/agui.md.")
            .Produces<string>(StatusCodes.Status200OK, EventStream)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> RunWorker(HttpContext context, string rid, string wid)
    {
        if (Check(context, rid, wid, out var runtime, out var projection, RuntimeCommands.Input) is { } denied) return denied;
        var (input, error) = await ReadInputAsync(context);
        if (error is not null) return ApiProblems.InvalidRequest(error, rid);
        if (!input!.TryGetNewestUserText(out var text, out error)) return ApiProblems.InvalidRequest(error!, rid);
        if (input.ThreadId != wid) return ApiProblems.InvalidRequest("The 'threadId' must be the worker id of the route.", rid);
        try
        {
            var registry = context.RequestServices.GetRequiredService<RuntimeRegistry>();
            if (!await registry.WorkerExistsAsync(runtime!, wid, context.RequestAborted)) throw RuntimeSourceException.WorkerNotFound(rid, wid);
            return await StartRunAsync(context, runtime!, wid, projection!, text);
        }
        catch (RuntimeSourceException ex)
        {
            return ApiProblems.From(ex, rid);
        }
    }

    private static async Task<IResult> CreateAndRun(HttpContext context, string rid)
    {
        if (Check(context, rid, null, out var runtime, out var projection, RuntimeCommands.CreateWorker, RuntimeCommands.Input) is { } denied)
            return denied;
        var (input, error) = await ReadInputAsync(context);
        if (error is not null) return ApiProblems.InvalidRequest(error, rid);
        if (!input!.TryGetNewestUserText(out var text, out error)) return ApiProblems.InvalidRequest(error!, rid);
        try
        {
            var registry = context.RequestServices.GetRequiredService<RuntimeRegistry>();
            var wid = input.ThreadId;
            if (wid is null || !ResourceId.IsValid(wid) || !await registry.WorkerExistsAsync(runtime!, wid, context.RequestAborted))
                wid = (await runtime!.Source.CreateWorkerAsync(new CreateWorkerRequest(), context.RequestAborted)).WorkerId;
            return await StartRunAsync(context, runtime!, wid, projection!, text);
        }
        catch (RuntimeSourceException ex)
        {
            return ApiProblems.From(ex, rid);
        }
    }

    /// <summary>Subscribes, takes the snapshot, then sends the input (its errors are the client's answer), then streams.</summary>
    private static async Task<IResult> StartRunAsync(HttpContext context, RuntimeEntry runtime, string wid, EventProjection projection, string text)
    {
        var session = new AgUiSession(context, context.RequestServices, runtime, wid, projection);
        var feed = await session.SubscribeAsync(context.RequestAborted);
        try
        {
            var before = await session.ReadSnapshotAsync(context.RequestAborted);
            var accepted = await runtime.Source.SendInputAsync(wid, text, context.RequestAborted);
            var runId = accepted.RunId ?? throw RuntimeSourceException.Error(runtime.Id);
            return new StreamResult(async () =>
            {
                await using (feed) await session.RunAsync(feed, before, runId);
            });
        }
        catch
        {
            await feed.DisposeAsync();
            throw;
        }
    }

    private static async Task<IResult> Observe(HttpContext context, string rid, string wid)
    {
        if (Check(context, rid, wid, out var runtime, out var projection) is { } denied) return denied;
        AgUiEventId? after = null;
        var lastEventId = context.Request.Headers["Last-Event-ID"];
        var query = context.Request.Query;
        // A reconnecting EventSource sends Last-Event-ID with the URL it first opened: the header wins over ?cursor=.
        string? given = null, reason = "give it once";
        var malformed = false;
        if (lastEventId.Count > 0) malformed = lastEventId.Count != 1 || (given = lastEventId[0]) is null;
        else if (query.TryGetValue("cursor", out var values)) malformed = values.Count != 1 || (given = values[0]) is null;
        if (!malformed && given is not null)
        {
            malformed = !AgUiEventId.TryParse(given, out var id, out reason);
            after = id;
        }
        if (malformed)
            return ApiProblems.Result(StatusCodes.Status400BadRequest, ApiErrorCodes.CursorMalformed, "Malformed cursor",
                $"The cursor (Last-Event-ID or ?cursor=) is malformed: {reason}.", rid);
        try
        {
            var registry = context.RequestServices.GetRequiredService<RuntimeRegistry>();
            if (!await registry.WorkerExistsAsync(runtime!, wid, context.RequestAborted)) throw RuntimeSourceException.WorkerNotFound(rid, wid);
        }
        catch (RuntimeSourceException ex)
        {
            return ApiProblems.From(ex, rid);
        }
        var session = new AgUiSession(context, context.RequestServices, runtime!, wid, projection!);
        var feed = await session.SubscribeAsync(context.RequestAborted);
        return new StreamResult(async () =>
        {
            await using (feed) await session.ObserveAsync(feed, after);
        });
    }

    /// <summary>Ids well formed (400), runtime configured (404), the projection seam (403), as every /api route checks them.</summary>
    private static IResult? Check(HttpContext context, string rid, string? wid, out RuntimeEntry? runtime, out EventProjection? projection,
        params string[] commands)
    {
        runtime = null;
        projection = null;
        if (!ResourceId.IsValid(rid)) return ApiProblems.InvalidRequest("Runtime ids are 1-64 characters of [A-Za-z0-9_-].");
        if (wid is not null && !ResourceId.IsValid(wid)) return ApiProblems.InvalidRequest("Worker ids are 1-64 characters of [A-Za-z0-9_-].", rid);
        var services = context.RequestServices;
        if (!services.GetRequiredService<RuntimeRegistry>().TryGet(rid, out var entry)) return ApiProblems.RuntimeNotFound(rid);
        var policy = services.GetRequiredService<IProjectionPolicy>();
        var client = ClientAccess.Identity(context);
        if (!policy.CanObserve(client, rid, wid)) return ApiProblems.Forbidden(rid);
        foreach (var command in commands)
        {
            if (!policy.CanCommand(client, rid, command)) return ApiProblems.Forbidden(rid);
        }
        runtime = entry;
        projection = policy.Project(client);
        return null;
    }

    private static async Task<(RunAgentInput? Input, string? Error)> ReadInputAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > MaxBodyBytes) return (null, $"The body is larger than {MaxBodyBytes} bytes.");
        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return (null, "The body must be an application/json RunAgentInput.");
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return (null, $"The body is larger than {MaxBodyBytes} bytes.");
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) return (null, "A RunAgentInput body is required.");
        try
        {
            var input = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), AgUiJsonContext.Default.RunAgentInput);
            return input is null ? (null, "The body must be a RunAgentInput object.") : (input, null);
        }
        catch (JsonException)
        {
            return (null, "The body is not a RunAgentInput: 'threadId' and 'runId' are strings, 'messages' an array.");
        }
    }

    private sealed class StreamResult(Func<Task> stream) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => stream();
    }
}
