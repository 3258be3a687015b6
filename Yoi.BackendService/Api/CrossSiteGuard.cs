using Microsoft.Net.Http.Headers;
using Yoi.BackendService.Observation;
using Yoi.Protocol;
using Yoi.Protocol.Api;

namespace Yoi.BackendService.Api;

/// <summary>
/// Refuses what a page of another site could make a browser do (docs/security.md): a WebSocket upgrade or a
/// state-changing request from an origin <see cref="OriginPolicy"/> does not allow gets <c>forbidden</c> (403, or the
/// diagnostic and close 4403 on a WebSocket); a <c>POST</c> to <c>/api</c> must be <c>application/json</c> or
/// carry <c>Authorization</c>, which a cross-site form or simple request cannot send without a CORS preflight.
/// </summary>
public sealed partial class CrossSiteGuard(RequestDelegate next, OriginPolicy origins, ILogger<CrossSiteGuard> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var upgrade = context.WebSockets.IsWebSocketRequest;
        var changesState = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
            || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method));
        if (!upgrade && !changesState)
        {
            await next(context);
            return;
        }
        if (!origins.IsAllowed(request))
        {
            LogRefused(logger, request.Method, request.Path);
            if (upgrade)
                await WebSocketRejection.RejectAsync(context, DiagnosticCodes.Forbidden,
                    "WebSockets from this origin are not allowed (Backend:AllowedOrigins).", ObservationCloseCodes.Forbidden);
            else
                await ApiProblems.Write(context, StatusCodes.Status403Forbidden, ApiErrorCodes.Forbidden, "Forbidden",
                    "Requests from this origin are not allowed (Backend:AllowedOrigins).", null);
            return;
        }
        // POST is the one state-changing method a page may send cross-site without a preflight (PUT, PATCH and DELETE
        // always get one, and this Backend answers no preflight).
        if (HttpMethods.IsPost(request.Method) && !upgrade && request.Path.StartsWithSegments("/api") && !IsJsonOrPreflighted(request))
        {
            await ApiProblems.Write(context, StatusCodes.Status400BadRequest, ApiErrorCodes.InvalidRequest, "Invalid request",
                "State-changing requests must be sent as application/json (an empty body is fine).", null);
            return;
        }
        await next(context);
    }

    /// <summary>JSON, or no content type at all from a caller that sent <c>Authorization</c> (a bodiless command).</summary>
    private static bool IsJsonOrPreflighted(HttpRequest request) =>
        request.ContentType is null
            ? request.Headers.Authorization.Count > 0
            : MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
              && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a cross-site {Method} {Path}")]
    private static partial void LogRefused(ILogger logger, string method, string path);
}
