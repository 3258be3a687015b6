using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Yoi.ServiceDefaults;

/// <summary>
/// The one problem shape both services answer with, through ASP.NET Core's problem details (RFC 9457,
/// <c>application/problem+json</c>): <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>, the stable <c>code</c>,
/// <c>runtime_id</c> when the route names one, and the request's <c>trace_id</c>. The framework's own problems (no such
/// route, wrong method, a rejected body) get their <c>code</c> here too.
/// </summary>
public static class ProblemDetailsDefaults
{
    public const string ContentType = "application/problem+json";
    public const string Code = "code";
    public const string RuntimeId = "runtime_id";
    public const string TraceId = "trace_id";

    /// <summary>
    /// <c>AddProblemDetails</c> with <see cref="Customize"/>. A parameter the framework cannot bind is a 400 the
    /// endpoint's filters may answer (<see cref="EventPageQuery"/>) in every environment, never an exception.
    /// </summary>
    public static IServiceCollection AddYoiProblemDetails(this IServiceCollection services) =>
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = false)
            .AddProblemDetails(options => options.CustomizeProblemDetails = Customize);

    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        var status = problem.Status ?? http.Response.StatusCode;
        problem.Type = "about:blank";
        problem.Instance = null;
        var extensions = problem.Extensions;
        if (!extensions.TryGetValue(Code, out var code) || code is null)
        {
            (code, var title, var detail) = Bodiless(status, http.Request.Method);
            problem.Title = title;
            problem.Detail ??= detail;
        }
        var runtimeId = extensions.TryGetValue(RuntimeId, out var given) && given is not null ? given : RouteRuntimeId(http);
        // Rebuilt in the documented order (code, runtime_id, trace_id); the framework's own traceId and requestId go.
        extensions.Clear();
        extensions[Code] = code;
        if (runtimeId is not null) extensions[RuntimeId] = runtimeId;
        extensions[TraceId] = Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
    }

    /// <summary>Writes a problem with its code (and runtime id, when known) through the framework's problem details service.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string code, string title, string? detail, string? runtimeId = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        var problem = Create(status, code, title, detail, runtimeId);
        var service = context.RequestServices.GetService<IProblemDetailsService>();
        if (service is null || !await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
        {
            // A client whose Accept excludes JSON still gets the problem.
            Customize(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
            await context.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, ContentType, context.RequestAborted);
        }
    }

    public static ProblemDetails Create(int status, string code, string title, string? detail, string? runtimeId = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        problem.Extensions[Code] = code;
        if (runtimeId is not null) problem.Extensions[RuntimeId] = runtimeId;
        return problem;
    }

    /// <summary>The code, title and detail of a status the framework answered without a body of ours.</summary>
    private static (string Code, string Title, string Detail) Bodiless(int status, string method) => status switch
    {
        404 => ("not_found", "Not found", "No such route."),
        405 => ("method_not_allowed", "Method not allowed", $"{method} is not allowed on this route."),
        413 => ("payload_too_large", "Payload too large", "The request body is too large."),
        415 => ("invalid_request", "Invalid request", "The body must be application/json."),
        >= 500 => ("internal", "Request failed", "The request failed."),
        _ => ("invalid_request", "Invalid request", "The request was not accepted."),
    };

    private static string? RouteRuntimeId(HttpContext context) =>
        context.Request.RouteValues.TryGetValue("rid", out var value) && value is string id && IsResourceId(id) ? id : null;

    private static bool IsResourceId(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
