using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using Yoi.Runtime.Workers;
using Yoi.RuntimeService.Http;
using Yoi.ServiceDefaults;

namespace Yoi.RuntimeService.Workers;

/// <summary>
/// <c>/v1/workers</c>. Errors are thrown as <see cref="WorkerCommandException"/> and written as problems by
/// <see cref="RuntimeExceptionHandler"/>; ids are validated by the runtime before they reach a key; the event page's query is
/// bound by the framework (<see cref="EventPageQuery"/>).
/// </summary>
public static class WorkerEndpoints
{
    public static IEndpointRouteBuilder MapWorkerEndpoints(this IEndpointRouteBuilder app)
    {
        var workers = app.MapGroup("/workers").WithTags("Workers");
        workers.MapGet("/", ListWorkers).WithName("ListWorkers").WithSummary("A page of this runtime's workers, oldest first (limit, after).");
        workers.MapPost("/", CreateWorker).WithName("CreateWorker").WithSummary("Creates a worker (201 + Location).");
        workers.MapGet("/{id}", GetWorker).WithName("GetWorker").WithSummary("One worker.");
        workers.MapPost("/{id}/input", SendInput).WithName("SendInput").WithSummary("Starts a run with the text (202 + run_id).");
        workers.MapPost("/{id}/cancel", Cancel).WithName("CancelRun").WithSummary("Cancels the run in progress (202).");
        workers.MapDelete("/{id}", DeleteWorker).WithName("DeleteWorker").WithSummary("Deletes a stopped worker with its streams (204).");
        workers.MapPost("/{id}/stop", Stop).WithName("StopWorker").WithSummary("Stops the worker for good (202).");
        workers.MapGet("/{id}/transcript", GetTranscript).WithName("GetTranscript").WithSummary("The folded transcript and its cursor.");
        workers.MapGet("/{id}/events", GetEvents).WithName("GetEvents").WithSummary("A page of stored events after a cursor.")
            .WithEventPageQueryProblems();
        return app;
    }

    private static JsonHttpResult<WorkerList> ListWorkers(IWorkerRuntime runtime, [FromQuery] int? limit, [FromQuery] WorkerListCursor? after)
    {
        var size = limit ?? WorkerListCursor.DefaultLimit;
        if (size is < 1 or > WorkerListCursor.MaxLimit)
            throw new WorkerCommandException(ApiErrorCodes.InvalidRequest, $"'limit' must be an integer from 1 to {WorkerListCursor.MaxLimit}.");
        return TypedResults.Json(WorkerListCursor.Page(runtime.ListWorkers(), after, size), ApiJsonContext.Default.WorkerList);
    }

    private static async Task<NoContent> DeleteWorker(string id, IWorkerRuntime runtime, CancellationToken cancellationToken)
    {
        await runtime.DeleteWorkerAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<LocatedResult> CreateWorker([FromBody] CreateWorkerRequest? body, IWorkerRuntime runtime, CancellationToken cancellationToken)
    {
        var worker = await runtime.CreateWorkerAsync(body ?? new CreateWorkerRequest(), cancellationToken);
        return new LocatedResult(TypedResults.Json(worker, ApiJsonContext.Default.WorkerInfo, statusCode: StatusCodes.Status201Created),
            $"/v1/workers/{worker.WorkerId}");
    }

    private static JsonHttpResult<WorkerInfo> GetWorker(string id, IWorkerRuntime runtime) =>
        TypedResults.Json(runtime.GetWorker(id), ApiJsonContext.Default.WorkerInfo);

    private static async Task<JsonHttpResult<CommandAccepted>> SendInput(string id, [FromBody] InputRequest body, IWorkerRuntime runtime,
        CancellationToken cancellationToken)
    {
        runtime.GetWorker(id);
        if (body.Text is null) throw new WorkerCommandException(ApiErrorCodes.InvalidRequest, "The 'text' field (a string) is required.");
        return Accepted(await runtime.SendInputAsync(id, body.Text, cancellationToken));
    }

    private static async Task<JsonHttpResult<CommandAccepted>> Cancel(string id, IWorkerRuntime runtime, CancellationToken cancellationToken) =>
        Accepted(await runtime.CancelAsync(id, cancellationToken));

    private static async Task<JsonHttpResult<CommandAccepted>> Stop(string id, IWorkerRuntime runtime, CancellationToken cancellationToken) =>
        Accepted(await runtime.StopAsync(id, cancellationToken));

    private static async Task<FileContentHttpResult> GetTranscript(string id, WorkerRuntime runtime, CancellationToken cancellationToken)
    {
        var checkpoint = await runtime.GetTranscriptAsync(id, cancellationToken);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WorkerEventJson.WriterOptions))
            JsonSerializer.Serialize(writer, WorkerTranscript.From(runtime.RuntimeId, id, checkpoint.Cursor, checkpoint.Snapshot),
                ProtocolJsonContext.Default.WorkerTranscript);
        return TypedResults.Bytes(buffer.WrittenMemory.ToArray(), "application/json");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetEvents(string id, [FromQuery] StreamCursor? after,
        [FromQuery] int? limit, WorkerRuntime runtime, CancellationToken cancellationToken)
    {
        runtime.GetWorker(id);
        if (EventPageQuery.PageSize(limit) is not { } size) return EventPageQuery.LimitProblem();
        var entries = await runtime.ReadEventsAsync(id, after ?? StreamCursor.Zero, size, checkCursor: after is not null, cancellationToken);
        var buffer = new ArrayBufferWriter<byte>(4096);
        EnvelopeWriter.WriteEventPage(buffer, runtime.RuntimeId, entries.Select(e => new StoredEvent(e.Cursor, id, StoredPayload.OrMalformed(e.Payload))).ToArray(),
            entries.Count > 0 ? entries[^1].Cursor : null);
        return TypedResults.Bytes(buffer.WrittenMemory.ToArray(), "application/json");
    }

    private static JsonHttpResult<CommandAccepted> Accepted(CommandAccepted accepted) =>
        TypedResults.Json(accepted, ApiJsonContext.Default.CommandAccepted, statusCode: StatusCodes.Status202Accepted);
}
