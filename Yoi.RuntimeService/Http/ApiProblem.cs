using System.Diagnostics;
using System.Text.Json;
using Yoi.Protocol.Api;

namespace Yoi.RuntimeService.Http;

/// <summary>
/// An RFC 9457 problem (<c>application/problem+json</c>): <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>,
/// plus the stable <c>code</c> (<see cref="ApiErrorCodes"/>) and the request's <c>trace_id</c>.
/// </summary>
public sealed class ApiProblem(int status, string code, string title, string? detail = null) : IResult
{
    public const string ContentType = "application/problem+json";

    public int Status { get; } = status;
    public string Code { get; } = code;

    public static ApiProblem From(WorkerCommandError error) => new(error.Status, error.Code, error.Title, error.Detail);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = Status;
        response.ContentType = ContentType;
        if (Status == StatusCodes.Status401Unauthorized) response.Headers.WWWAuthenticate = "Bearer";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "about:blank");
            writer.WriteString("title", title);
            writer.WriteNumber("status", Status);
            if (detail is not null) writer.WriteString("detail", detail);
            writer.WriteString("code", Code);
            writer.WriteString("trace_id", Activity.Current?.TraceId.ToString() ?? httpContext.TraceIdentifier);
            writer.WriteEndObject();
        }
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), httpContext.RequestAborted);
    }
}

/// <summary>The HTTP form of a runtime error code.</summary>
public readonly record struct WorkerCommandError(int Status, string Code, string Title, string Detail)
{
    public static WorkerCommandError For(string code, string detail) => code switch
    {
        ApiErrorCodes.WorkerNotFound => new(404, code, "Worker not found", detail),
        ApiErrorCodes.AlreadyRunning => new(409, code, "A run is already in progress", detail),
        ApiErrorCodes.NotRunning => new(409, code, "No run in progress", detail),
        ApiErrorCodes.WorkerStopped => new(409, code, "The worker is stopped", detail),
        ApiErrorCodes.InvalidRequest => new(400, code, "Invalid request", detail),
        ApiErrorCodes.CursorMalformed => new(400, code, "Malformed cursor", detail),
        ApiErrorCodes.CursorExpired => new(410, code, "Cursor expired", detail),
        ApiErrorCodes.CursorUnknown => new(404, code, "Unknown cursor", detail),
        ApiErrorCodes.EventLogUnavailable => new(503, code, "Event log unavailable", detail),
        _ => new(500, ApiErrorCodes.Internal, "Internal error", detail),
    };
}
