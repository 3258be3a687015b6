using Microsoft.AspNetCore.Http.HttpResults;
using Yoi.Protocol.Api;
using Yoi.Runtime.Workers;

namespace Yoi.RuntimeService;

/// <summary><c>/v1/runtime</c>: id, version, capabilities and worker counts.</summary>
public static class RuntimeEndpoints
{
    public static IEndpointRouteBuilder MapRuntimeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/runtime", GetRuntime).WithTags("Runtime").WithName("GetRuntime").WithSummary("This runtime.");
        return app;
    }

    private static JsonHttpResult<RuntimeInfo> GetRuntime(IWorkerRuntime runtime) =>
        TypedResults.Json(runtime.GetInfo(), ApiJsonContext.Default.RuntimeInfo);
}
