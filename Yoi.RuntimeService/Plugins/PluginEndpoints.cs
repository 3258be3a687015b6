using Microsoft.AspNetCore.Http.HttpResults;
using Yoi.Protocol.Api;
using Yoi.Protocol.Plugins;
using Yoi.Runtime.Plugins;
using Yoi.RuntimeService.Http;

namespace Yoi.RuntimeService.Plugins;

/// <summary>
/// Plugin status and lifecycle, mapped under the builder it is given (the service's authenticated <c>/v1</c> group):
/// <code>
/// GET  /plugins             every plugin's status           200 {"plugins":[...]}
/// GET  /plugins/{id}        one plugin's status             200 | 400 invalid_request | 404 plugin_not_found
/// POST /plugins/{id}/start  start it (grants still apply)   200 status (status "failed" when refused) | 400 | 404
/// POST /plugins/{id}/stop   stop it                         200 status | 400 | 404
/// </code>
/// </summary>
public static class PluginEndpoints
{
    public const string PluginNotFound = "plugin_not_found";

    public static RouteGroupBuilder MapPluginEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/plugins").WithTags("Plugins");
        group.MapGet("/", List).WithName("ListPlugins").WithSummary("Every service plugin's status, connections and diagnostics.");
        group.MapGet("/{id}", Get).WithName("GetPlugin").WithSummary("One service plugin's status.");
        group.MapPost("/{id}/start", Start).WithName("StartPlugin").WithSummary("Starts a service plugin.");
        group.MapPost("/{id}/stop", Stop).WithName("StopPlugin").WithSummary("Stops a service plugin.");
        return group;
    }

    private static JsonHttpResult<PluginList> List(PluginHost host) =>
        TypedResults.Json(host.GetStatus(), PluginJsonContext.Default.PluginList);

    private static Results<JsonHttpResult<PluginStatus>, ApiProblem> Get(string id, PluginHost host) =>
        !ResourceId.IsValid(id) ? InvalidId()
        : host.GetStatus(id) is { } status ? TypedResults.Json(status, PluginJsonContext.Default.PluginStatus)
        : NotFound(id);

    private static async Task<Results<JsonHttpResult<PluginStatus>, ApiProblem>> Start(string id, PluginHost host, CancellationToken ct) =>
        !ResourceId.IsValid(id) ? InvalidId()
        : await host.StartPluginAsync(id, ct) is { } status ? TypedResults.Json(status, PluginJsonContext.Default.PluginStatus)
        : NotFound(id);

    private static async Task<Results<JsonHttpResult<PluginStatus>, ApiProblem>> Stop(string id, PluginHost host, CancellationToken ct) =>
        !ResourceId.IsValid(id) ? InvalidId()
        : await host.StopPluginAsync(id, ct) is { } status ? TypedResults.Json(status, PluginJsonContext.Default.PluginStatus)
        : NotFound(id);

    private static ApiProblem InvalidId() => new(StatusCodes.Status400BadRequest, ApiErrorCodes.InvalidRequest,
        "Invalid plugin id", "A plugin id is 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'.");

    private static ApiProblem NotFound(string id) => new(StatusCodes.Status404NotFound, PluginNotFound,
        "Plugin not found", $"No plugin with id '{id}' is installed.");
}
