using Microsoft.AspNetCore.Diagnostics;
using StackExchange.Redis;
using Yoi.Protocol.Api;
using Yoi.Runtime.Workers;

namespace Yoi.RuntimeService.Http;

/// <summary>
/// Turns every failure into a problem (<c>UseExceptionHandler</c>): runtime error codes with their status, an
/// unavailable event log into 503 <c>event_log_unavailable</c>, an oversized body into 413 <c>payload_too_large</c>,
/// anything else into 500 <c>internal</c> (logged, never echoed).
/// </summary>
public sealed partial class RuntimeExceptionHandler(ILogger<RuntimeExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested) return false;
        var problem = exception switch
        {
            WorkerCommandException command => ApiProblem.From(WorkerCommandError.For(command.Code, command.Message)),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                new ApiProblem(413, ApiErrorCodes.PayloadTooLarge, "Payload too large", $"The request body is larger than {RuntimeServiceApp.MaxRequestBodyBytes} bytes."),
            BadHttpRequestException bad => new ApiProblem(400, ApiErrorCodes.InvalidRequest, "Invalid request", bad.Message),
            RedisException or TimeoutException =>
                new ApiProblem(503, ApiErrorCodes.EventLogUnavailable, "Event log unavailable", "The event log is unavailable; try again later."),
            _ => new ApiProblem(500, ApiErrorCodes.Internal, "Internal error", "The request failed unexpectedly."),
        };
        if (problem.Status == 500) LogUnhandled(logger, exception, context.Request.Method, context.Request.Path);
        await problem.ExecuteAsync(context);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
