using StackExchange.Redis;
using Yoi.Protocol.Api;
using Yoi.Runtime.Workers;

namespace Yoi.RuntimeService.Http;

/// <summary>
/// Turns every failure into a problem: runtime error codes with their status, an unavailable event log into 503
/// <c>event_log_unavailable</c>, an oversized body into 413 <c>payload_too_large</c>, anything else into 500
/// <c>internal</c> (logged, never echoed).
/// </summary>
public sealed partial class ProblemMiddleware(RequestDelegate next, ILogger<ProblemMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var problem = ToProblem(ex);
            if (problem.Status == 500) LogUnhandled(logger, ex, context.Request.Method, context.Request.Path);
            context.Response.Clear();
            await problem.ExecuteAsync(context);
        }
    }

    private static ApiProblem ToProblem(Exception ex) => ex switch
    {
        WorkerCommandException command => ApiProblem.From(WorkerCommandError.For(command.Code, command.Message)),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            new ApiProblem(413, ApiErrorCodes.PayloadTooLarge, "Payload too large", $"The request body is larger than {RuntimeServiceApp.MaxRequestBodyBytes} bytes."),
        BadHttpRequestException bad => new ApiProblem(400, ApiErrorCodes.InvalidRequest, "Invalid request", bad.Message),
        RedisException or TimeoutException =>
            new ApiProblem(503, ApiErrorCodes.EventLogUnavailable, "Event log unavailable", "The event log is unavailable; try again later."),
        _ => new ApiProblem(500, ApiErrorCodes.Internal, "Internal error", "The request failed unexpectedly."),
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
